import { createContext, useContext } from "react";

/**
 * The Content-Security-Policy nonce of this response (server/security-headers.ts makes one per request;
 * app/entry.server.tsx provides it). Inline scripts rendered by the app carry it. In the browser it is ""
 * (browsers hide nonce attributes from scripts after parsing, so there is nothing to hydrate against).
 */
const NonceContext = createContext("");

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string {
  return useContext(NonceContext);
}
