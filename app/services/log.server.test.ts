import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, createRequestLogger } from "./log.server";

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

  it("writes every line whole and in order through the batched stdout stream (patched sonic-boom), multibyte text included", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ticketchain-log-"));
    try {
      const file = path.join(dir, "out.log");
      // As log.server.ts's stdout(): asynchronous, written in 4 KiB blocks.
      const destination = pino.destination({ dest: file, sync: false, minLength: 4096, mkdir: true });
      await new Promise<void>((resolve) => destination.once("ready", () => resolve()));
      const log = createRequestLogger(destination);
      const boom = destination as unknown as { _bufs: string[]; _lastBuf?: string; _lastBufLen?: number };
      for (let i = 0; i < 3_000; i++) {
        log.info({ requestId: `r${i}`, gate: i % 3 ? "Porta Norte" : "Entrée 北門 🎫" }, "request");
        // patches/sonic-boom+4.2.1.patch: the buffered line's byte length is remembered, not re-measured.
        const last = boom._bufs[boom._bufs.length - 1];
        if (last !== undefined) expect(boom._lastBufLen).toBe(Buffer.byteLength(last));
      }
      // end() writes what is buffered after the write under way, in order, then closes.
      await new Promise<void>((resolve) => {
        destination.once("close", () => resolve());
        destination.end();
      });
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(lines).toHaveLength(3_000);
      lines.forEach((line, i) => expect(JSON.parse(line)).toMatchObject({ requestId: `r${i}`, gate: i % 3 ? "Porta Norte" : "Entrée 北門 🎫" }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
