import { describe, expect, it } from "vitest";
import { routePattern } from "./http-observability";

describe("route patterns for metrics labels", () => {
  it.each([
    ["/", "/"],
    ["/events/aurora-nights-demo", "/events/:slug"],
    ["/events/aurora-nights-demo/checkout", "/events/:slug/checkout"],
    ["/orders/0b0e7a52-5f7e-4a41-9d1c-2a7c9f1e4b10", "/orders/:id"],
    ["/metadata/31337/0x5FbDB2315678afecb367f032d93F642f64180aa3/12", "/metadata/:id/:id/:id"],
    ["/test-checkout/cs_test_a1b2c3", "/test-checkout/:id"],
    ["/auth/email/Zk3v9lQeX0P2mYt7nB4cR8sW1aD6fH5jK0oL2uI9yT3", "/auth/email/:id"],
    ["/promoter/events/my-show", "/promoter/events/:slug"],
    ["/assets/entry.client-Ab12.js", "/assets/*"],
  ])("%s -> %s", (path, pattern) => {
    expect(routePattern(path)).toBe(pattern);
  });
});
