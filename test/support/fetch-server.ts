import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A plain Node HTTP server around a Fetch-style handler (Request → Response), for suites that serve a few
 * of the app's real route modules without building the whole Remix app.
 */
export interface FetchServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * `front`: asked first with node's own request, as server/main.ts asks its fast paths before Express; true
 * means it answered.
 */
export async function serveFetch(handler: (request: Request) => Promise<Response>, front?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<FetchServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (front?.(req, res)) return;
    void (async () => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === "string") headers.set(name, value);
          else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        }
        const request = new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
        });
        const response = await handler(request);
        res.statusCode = response.status;
        response.headers.forEach((value, name) => res.setHeader(name, value));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.statusCode = 500;
        res.end(String((error as Error).stack ?? error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
