import { Client, Connection } from 'strata/client';
import { approve, hello, status } from './workflows.js';

/** Starts a `hello` workflow, asks what it does, approves it and prints the result. */
const connection = await Connection.connect({ address: process.env.STRATA_ADDRESS ?? '127.0.0.1:7233' });
const client = new Client({ connection });

const handle = await client.workflow.start(hello, {
  taskQueue: 'hello',
  workflowId: `hello-${Date.now()}`,
  args: ['Strata'],
});
console.log(`client: started workflow ${handle.workflowId}`);
console.log(`client: status is "${await handle.query(status)}"`);
await handle.signal(approve, 'the quickstart');
console.log('client: sent the approve signal');
console.log(`client: result: ${await handle.result()}`);
await connection.close();
