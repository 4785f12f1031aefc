/**
 * A loopback port that refuses connections: bound to a free port, then closed (for tests of
 * what happens when a server is not there).
 */
import { createServer } from "node:net";

/** Resolves with a 127.0.0.1 port nothing listens on. */
export async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
