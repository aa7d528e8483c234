/**
 * The Strata server: `startServer()` puts an Engine backed by SQLite on the network as the
 * WorkflowService (Connect over HTTP/2 cleartext; gRPC clients work too).
 */
export { MAX_PAYLOAD_BYTES } from '../engine/payload-limit.js';
export { type ServerOptions, type StrataServer, startServer } from './server.js';
