import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

describe('strata CLI without a server', () => {
  it('--help lists the workflow commands and exits 0', async () => {
    const { exitCode, stdout } = await runCli(['workflow', '--help']);
    expect(exitCode).toBe(0);
    for (const command of [
      'start',
      'execute',
      'describe',
      'show',
      'list',
      'count',
      'signal',
      'query',
      'cancel',
      'terminate',
      'result',
    ]) {
      expect(stdout).toContain(`  ${command} `);
    }
  });

  it('invalid JSON in --input exits 2 naming the flag, before contacting any server', async () => {
    const { exitCode, stderr } = await runCli([
      'workflow',
      'start',
      '--type',
      'greet',
      '-t',
      'q',
      '-i',
      '{oops',
    ]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^error: invalid JSON in --input: .*\(value: \{oops\)/);
    expect(stderr).not.toContain('    at ');
  });

  it('a missing required flag exits 2 naming it', async () => {
    const { exitCode, stderr } = await runCli(['workflow', 'start', '--type', 'greet']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("required option '-t, --task-queue <name>' not specified");
  });

  it('a bad duration exits 2 naming the flag and the accepted forms', async () => {
    const { exitCode, stderr } = await runCli([
      'workflow',
      'start',
      '--type',
      'greet',
      '-t',
      'q',
      '--run-timeout',
      'soon',
    ]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(
      "option '--run-timeout <duration>' argument 'soon' is invalid. [INVALID_DURATION]",
    );
  });

  it('an unknown --output format exits 2', async () => {
    const { exitCode, stderr } = await runCli(['workflow', 'count', '-o', 'yaml']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('yaml');
  });

  it('an unreachable server exits 1 with the address and how to start one, without a stack trace', async () => {
    const port = await freePort();
    const { exitCode, stderr } = await runCli(['workflow', 'describe', '-w', 'x'], {
      STRATA_ADDRESS: `127.0.0.1:${port}`,
    });
    expect(exitCode).toBe(1);
    expect(stderr.trim()).toBe(
      `error: [CONNECTION] cannot reach a Strata server at 127.0.0.1:${port}: connect ECONNREFUSED. ` +
        'Start one with `strata server start-dev`',
    );
  });
});
