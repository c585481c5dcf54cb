import { describe, expect, it } from "vitest";
import { committedMerchantApiTypes, generateMerchantApiTypes } from "./merchant-api.generate";

describe("the generated merchant API types", () => {
  it("are what the OpenAPI document generates now (run `npm run openapi` after changing the API)", async () => {
    expect(committedMerchantApiTypes()).toBe(await generateMerchantApiTypes());
  });
});
