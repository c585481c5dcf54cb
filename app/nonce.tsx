import { createContext, useContext } from "react";

/** The per-response CSP nonce, set by entry.server for <Scripts> and friends. */
export const NonceContext = createContext<string | undefined>(undefined);
export const useNonce = () => useContext(NonceContext);
