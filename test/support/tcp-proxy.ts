import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy for fault tests: the app talks to a dependency (the chain's JSON-RPC, PostgreSQL)
 * through it, and the test cuts the line the way a network or a stopped server does.
 *  - `cut()`: every open connection is reset and new ones are refused (ECONNREFUSED), as when the
 *    server process stopped;
 *  - `restore()`: listens again on the same port;
 *  - `holdWhen(match)`: the first client chunk whose text matches is held (with everything after it on
 *    that connection) until `release()`: a request the server has not received yet, e.g. a transaction
 *    "being sent" — `held` resolves when that happens.
 */
export interface TcpProxy {
  port: number;
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  holdWhen(match: RegExp): Promise<string>;
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let hold: { match: RegExp; found: (text: string) => void } | null = null;
  /** connections whose client → server data is held, with what they are holding */
  const held = new Map<Socket, Buffer[]>();

  const onConnection = (client: Socket) => {
    // A connection that reaches a server being cut (accepted just before its listening socket closed) is
    // reset like the others.
    if (!server) return void client.resetAndDestroy();
    const upstream = connect({ host: target.host ?? "127.0.0.1", port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    const forward = (chunk: Buffer) => {
      const queue = held.get(upstream);
      if (queue) return void queue.push(chunk);
      if (hold && hold.match.test(chunk.toString("latin1"))) {
        const { found } = hold;
        hold = null;
        held.set(upstream, [chunk]);
        found(chunk.toString("latin1"));
        return;
      }
      upstream.write(chunk);
    };
    client.on("data", forward);
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      held.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  };

  const listen = (at: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once("error", reject);
      s.listen(at, "127.0.0.1", () => resolve(s));
    });

  server = await listen(port);
  const actualPort = (server.address() as { port: number }).port;

  const proxy: TcpProxy = {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    async cut() {
      const s = server;
      server = null;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
      if (!s) return;
      // New connections are refused from here on. close()'s callback waits for every connection the server
      // ever accepted to finish closing; a client that keeps reconnecting (a database pool) can race that
      // for a long time, so wait for it at most 2 s: the connections are reset either way.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        s.close(() => (clearTimeout(timer), resolve()));
      });
    },
    async restore() {
      if (!server) server = await listen(actualPort);
    },
    holdWhen(match) {
      return new Promise((resolve) => (hold = { match, found: resolve }));
    },
    release() {
      for (const [upstream, queue] of held) for (const chunk of queue) upstream.write(chunk);
      held.clear();
    },
    async close() {
      await proxy.cut();
    },
  };
  return proxy;
}
