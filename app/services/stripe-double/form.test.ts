import { describe, expect, it } from "vitest";
import { decodeStripeForm } from "./form";

describe("decodeStripeForm", () => {
  it("decodes the stripe SDK's bracketed form bodies into nested objects and arrays", () => {
    const body =
      "mode=payment&line_items[0][quantity]=2&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=4500" +
      "&line_items[0][price_data][product_data][name]=GA&metadata[orderId]=o1&success_url=http%3A%2F%2Fx%2F%7BCHECKOUT_SESSION_ID%7D";
    expect(decodeStripeForm(body)).toEqual({
      mode: "payment",
      line_items: [{ quantity: "2", price_data: { currency: "usd", unit_amount: "4500", product_data: { name: "GA" } } }],
      metadata: { orderId: "o1" },
      success_url: "http://x/{CHECKOUT_SESSION_ID}",
    });
  });
  it("reads expand[] lists from query strings, encoded or not", () => {
    expect(decodeStripeForm("expand[0]=payment_intent")).toEqual({ expand: ["payment_intent"] });
    expect(decodeStripeForm("expand%5B%5D=payment_intent&expand%5B%5D=customer")).toEqual({ expand: ["payment_intent", "customer"] });
  });
});
