/**
 * The Strata server: `startServer()` puts an Engine backed by SQLite on the network as the
 * WorkflowService (Connect over HTTP/2 cleartext; gRPC clients work too).
 *
 * For tests that skip time, pass a VirtualClock and switch skipping on:
 * @example
 * const server = await startServer({ port: 0, clock: new VirtualClock() });
 * server.engine.setTimeSkipping(true); // or: await server.engine.skipTime(60_000)
 */
export { type Clock, RealClock, VirtualClock } from '../engine/clock.js';
export { Engine } from '../engine/engine.js';
export type { EngineLimits } from '../engine/engine-core.js';
export { MAX_PAYLOAD_BYTES } from '../engine/payload-limit.js';
export { type ServerOptions, type StrataServer, startServer } from './server.js';
