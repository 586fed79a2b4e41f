// `pnpm bench`: every scenario against Herald and its naive baseline, one fresh server
// per run (CPU 0) and one load process (CPU 1); prints a table and writes JSON.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, stopChild } from './children.mjs';
import { describeMachine } from './machine.mjs';
import { MULTI_PROCESS, failuresIn } from './multi-scenarios.mjs';
import { OptionsError, readOptions, usage } from './options.mjs';
import { FIXED_NOTES, buildRows, machineLine, markdownTable, scenarioNotes, textTable, writeJson } from './report.mjs';
import { hardTimeoutMs } from './scenarios.mjs';
import { startServer } from './server.mjs';
import { runStormScenario } from './storm.mjs';
import { REPO_ROOT, isBuilt, scenarioEnv, targetFor } from './targets.mjs';

const LOAD_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load/main.mjs');
const SIDES = ['baseline', 'herald'];

/** Runs the load process for one scenario and returns what it printed after RESULT. */
function runLoad(config, cpu) {
  return new Promise((resolve, reject) => {
    const child = spawnNode(cpu, LOAD_MAIN, [JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      reject(new Error(`load process still running after ${config.hardTimeoutMs + 10_000} ms`));
      void stopChild(child, 1000);
    }, config.hardTimeoutMs + 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)));
      else reject(new Error(`load process exited with ${code ?? signal}`));
    });
  });
}

async function runOne(scenario, side, options, machine) {
  const target = targetFor(scenario, side);
  if (!isBuilt(target)) throw new Error(`${target.script} not found (run pnpm build first)`);
  const server = await startServer(target, machine.pinned ? 0 : null, scenarioEnv(scenario, target, options));
  try {
    const result = await runLoad(
      {
        ...options,
        scenario,
        kind: target.kind,
        port: server.port,
        serverPid: server.pid,
        settleMs: options.quick ? 500 : 2000,
        hardTimeoutMs: hardTimeoutMs(scenario, options),
      },
      machine.pinned ? 1 : null,
    );
    if (server.exited()) throw new Error(`${target.name} exited during the run\n${server.output()}`);
    return result;
  } catch (error) {
    const output = server.output();
    throw new Error(`${error.message}${output && !error.message.includes(output) ? `\n${target.name} said:\n${output}` : ''}`);
  } finally {
    await server.stop();
  }
}

async function main() {
  let options;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`bench: ${error.message}\n${usage()}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage());
    return;
  }
  try {
    for (const scenario of options.scenarios) await MULTI_PROCESS[scenario]?.preflight(options);
  } catch (error) {
    console.error(`bench: ${error.message}`);
    process.exit(2);
  }
  const machine = describeMachine();
  const startedAt = new Date();
  console.log(`Herald bench${options.quick ? ' (quick)' : ''}: ${machineLine(machine)}`);
  if (!machine.pinned) console.log('bench: taskset is missing or there is one core: server and load share CPUs, figures are noisier');
  console.log(
    `N=${options.n} BURST=${options.burst} RATE=${options.rate} DURATION=${options.duration}s ` +
      `IDLE_N=${options.idleN} SETUP_N=${options.setupN} CONCURRENCY=${options.concurrency} ` +
      `REPLAY_N=${options.replayN} REPLAY_BYTES=${options.replayBytes} REPLAY_READERS=${options.replayReaders} ` +
      `REPLAY_STALLED=${options.replayStalled}\n`,
  );

  const results = {};
  let failed = 0;
  for (const scenario of options.scenarios) {
    if (scenario === 'storm') {
      failed += await runStormScenario(options, machine, results);
      continue;
    }
    if (MULTI_PROCESS[scenario]) {
      results[scenario] = await MULTI_PROCESS[scenario].run(options, machine, (text) => process.stdout.write(text));
      failed += failuresIn(results[scenario]);
      continue;
    }
    results[scenario] = {};
    for (const side of SIDES) {
      const began = Date.now();
      process.stdout.write(`${scenario} ${side} ... `);
      try {
        results[scenario][side] = await runOne(scenario, side, options, machine);
        console.log(`done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
      } catch (error) {
        failed++;
        results[scenario][side] = { error: error.message };
        console.log(`FAILED\n  ${error.message.replaceAll('\n', '\n  ')}`);
      }
    }
  }

  const rows = buildRows(results, options);
  const notes = [...FIXED_NOTES, ...scenarioNotes(results)];
  const markdown = markdownTable(rows, machine);
  console.log(`\n${textTable(rows)}\n\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  console.log(`\nMarkdown:\n\n${markdown}\n`);

  const file = options.json
    ? path.resolve(options.json)
    : path.join(REPO_ROOT, 'bench-results', `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeJson(file, { startedAt: startedAt.toISOString(), machine, options, rows, notes, results, markdown });
  console.log(`Results written to ${file}`);
  if (failed > 0) {
    console.error(`bench: ${failed} run(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
