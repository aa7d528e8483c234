/** `strata controller run | status` from the shell: manifest mistakes, and status before any worker ran. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer } from '../helpers/strata-server.js';

let server: StrataServer;
let work: string;

beforeAll(async () => {
  server = await startTestServer();
  work = await mkdtemp(path.join(tmpdir(), 'strata-controller-cli-'));
});
afterAll(async () => {
  await server?.close();
});

const manifest = (strategy: string) => `
kind: WorkerDeployment
metadata: { name: shop, namespace: cli }
spec:
  template: { artifact: "shop:v3", command: [node, worker.js] }
  rollout: { strategy: ${strategy} }
`;

describe('strata controller', () => {
  it('run refuses a bad manifest before starting anything: exit 2, every problem with its field', async () => {
    const file = path.join(work, 'bad.yaml');
    await writeFile(file, `${manifest('BlueGreen')}  replicas: -1\n`);
    const result = await runCli(
      ['controller', 'run', '-f', file, '--state-dir', path.join(work, 'state-bad')],
      {
        STRATA_ADDRESS: server.address,
      },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: \[INVALID_MANIFEST\] /);
    expect(result.stderr).toContain(
      `${file}: spec.rollout.strategy: "BlueGreen" is not a strategy; use one of Manual, AllAtOnce, Progressive`,
    );
    expect(result.stderr).toContain(
      `${file}: spec.replicas: must be a whole number of worker processes, 0 or more`,
    );
  });

  it('status before any worker polled: the deployment is unknown to the server and the build is to be started', async () => {
    const file = path.join(work, 'shop.yaml');
    await writeFile(file, manifest('Manual'));
    const result = await runCli(
      ['controller', 'status', '-f', file, '--state-dir', path.join(work, 'state-new')],
      {
        STRATA_ADDRESS: server.address,
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Deployment {2}shop\/cli \(.*shop\.yaml\)$/m);
    expect(result.stdout).toMatch(/^Target {6}v3-[0-9a-f]{4} \(shop:v3, Manual\)$/m);
    expect(result.stdout).toContain('Current     the server has no such deployment yet (no worker polled)');
    expect(result.stdout).toMatch(
      /Next:\n {2}scale v3-[0-9a-f]{4} to 1 worker\(s\): the manifest's build \(shop:v3\) runs 1 worker\(s\)/,
    );

    const json = await runCli(
      ['controller', 'status', '-f', file, '--state-dir', path.join(work, 'state-new'), '-o', 'json'],
      { STRATA_ADDRESS: server.address },
    );
    const [document] = JSON.parse(json.stdout) as Array<{
      deploymentName: string;
      routing: unknown;
      next: Array<{ kind: string }>;
    }>;
    expect(document).toMatchObject({ deploymentName: 'shop/cli', routing: null, next: [{ kind: 'scale' }] });
  });
});
