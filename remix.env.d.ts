/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />
import type { PlatformContext } from "./server/platform/context";

declare module "@remix-run/node" {
  interface AppLoadContext {
    platform: PlatformContext;
  }
}
