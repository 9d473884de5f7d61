import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.server";

describe("structured logs", () => {
  it("writes JSON lines and redacts secrets by path", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger(sink as never);
    log.info(
      { requestId: "r1", req: { headers: { cookie: "tc_session=abc", authorization: "Bearer x", "stripe-signature": "t=1,v1=..." } }, wallet: { privateKey: "0x11", address: "0xabc" } },
      "request",
    );
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", msg: "request", requestId: "r1", service: "ticketchain", wallet: { address: "0xabc", privateKey: "[redacted]" } });
    expect(entry.req.headers).toEqual({ cookie: "[redacted]", authorization: "[redacted]", "stripe-signature": "[redacted]" });
    expect(lines[0]).not.toContain("tc_session=abc");
    expect(lines[0]).not.toContain("0x11");
  });
});
