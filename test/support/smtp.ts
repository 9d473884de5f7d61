import { createServer, type Server, type Socket } from "node:net";

/**
 * A minimal SMTP receiver (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no auth)
 * standing in for the mail provider at the edge of the internet. Collects each message it accepts.
 */
export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

export async function startSmtpServer(): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = "";
    let inData = false;
    let current: ReceivedMail = { from: "", to: [], data: "" };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 localhost ESMTP test");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          current.data = buffer.slice(0, end).replace(/^\.\./gm, ".");
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push(current);
          current = { from: "", to: [], data: "" };
          reply("250 OK: queued");
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") reply("250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8");
        else if (verb === "HELO") reply("250 localhost");
        else if (verb === "MAIL") (current.from = line.replace(/^MAIL FROM:\s*/i, "").split(" ")[0]!), reply("250 OK");
        else if (verb === "RCPT") current.to.push(line.replace(/^RCPT TO:\s*/i, "").split(" ")[0]!), reply("250 OK");
        else if (verb === "DATA") (inData = true), reply("354 End data with <CR><LF>.<CR><LF>");
        else if (verb === "RSET") (current = { from: "", to: [], data: "" }), reply("250 OK");
        else if (verb === "NOOP") reply("250 OK");
        else if (verb === "QUIT") reply("221 Bye"), socket.end();
        else reply("502 Command not implemented");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    mails,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
