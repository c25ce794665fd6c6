import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { kafkaPaths, kafkaVersion } from '../../../test/brokers/kafka.mjs';
import { describeWithBroker, KAFKA_BROKERS } from './kafka-env.js';

/** The jars and data of the broker the suites run against (3.9, or 4.1 under SWITCHBOARD_KAFKA_VERSION). */
export const KAFKA_HOME = kafkaPaths.dir;
export const KAFKA_LIBS = kafkaPaths.libs;
/** Kafka 4 moved the console producer from core (Scala, `kafka.tools`) to the tools module. */
export const CONSOLE_PRODUCER = kafkaVersion.startsWith('3.') ? 'kafka.tools.ConsoleProducer' : 'org.apache.kafka.tools.ConsoleProducer';
const CLASSPATH = path.join(KAFKA_LIBS, '*');
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Logging of the Java tools: log4j 1 (Kafka 3.x) and log4j2 (4.x) both to stderr, so stdout carries only records. */
export const JAVA_LOGGING = [
  `-Dlog4j.configuration=file:${path.join(FIXTURES, 'java-log4j.properties')}`,
  `-Dlog4j2.configurationFile=${path.join(FIXTURES, 'java-log4j2.properties')}`,
];

/** host:port list for Java's bootstrap.servers, from the kafka:// URL the suites use. */
export const BOOTSTRAP = KAFKA_BROKERS.join(',');

function javaMissing(): string | undefined {
  for (const tool of ['java', 'javac']) {
    const probe = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (probe.error !== undefined || probe.status !== 0) return `${tool} not found on PATH`;
  }
  if (!existsSync(KAFKA_LIBS) || !readdirSync(KAFKA_LIBS).some((f) => f.startsWith('kafka-clients-'))) return `no Kafka jars in ${KAFKA_LIBS} (pnpm brokers:up fetches them)`;
  return undefined;
}

const missingJava = javaMissing();
if (missingJava !== undefined && process.env['CI'] === 'true') throw new Error(`Java interop tests need a JDK and the Kafka jars under CI=true: ${missingJava}`);

/** `describe` for suites that drive Kafka's Java tools: skipped with the reason when the JDK or jars are missing (outside CI). */
export function describeWithJava(name: string, body: () => void): void {
  if (missingJava === undefined) describeWithBroker(name, body);
  else describe.skip(`${name} (skipped: ${missingJava})`, body);
}

export interface JavaResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Java main class against the Kafka jars to completion; `input` is written to its stdin. */
export function runJava(mainClass: string, args: string[], options: { input?: string; timeoutMs?: number; classpath?: string } = {}): Promise<JavaResult> {
  const child = startJava(mainClass, args, options.classpath);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), options.timeoutMs ?? 45_000);
  child.process.stdin.end(options.input ?? '');
  return child.exited.finally(() => clearTimeout(timer));
}

/** A running Java process whose stdout lines are collected as they come. */
export interface JavaProcess {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  exited: Promise<JavaResult>;
  /** Closes stdin (the fixtures' stop signal) and waits for the exit, killing it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<JavaResult>;
}

export function startJava(mainClass: string, args: string[], classpath?: string): JavaProcess {
  const cp = classpath === undefined ? CLASSPATH : `${classpath}${path.delimiter}${CLASSPATH}`;
  const child = spawn('java', ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', ...JAVA_LOGGING, '-cp', cp, mainClass, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk));
  const exited = new Promise<JavaResult>((resolve) => {
    child.on('close', (code) => {
      if (partial.length > 0) lines.push(partial);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    process: child,
    lines,
    exited,
    async stop(timeoutMs = 15_000) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Compiles a fixture's Java source against the Kafka jars into a fresh temp dir; returns that dir (the classpath). */
export function compileFixture(file: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sbk-java-'));
  const result = spawnSync('javac', ['-d', dir, '-cp', CLASSPATH, path.join(FIXTURES, file)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`javac ${file} failed: ${result.stderr}`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Kafka's console producer: one `key|value` line per record. */
export function consoleProduce(topic: string, records: { key: string; value: string }[], extra: string[] = []): Promise<JavaResult> {
  return runJava(
    CONSOLE_PRODUCER,
    ['--bootstrap-server', BOOTSTRAP, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=|', ...extra],
    { input: records.map((r) => `${r.key}|${r.value}\n`).join('') },
  );
}

/** The compression codec of every record batch in a topic partition's log, read from the broker's own files. */
export async function batchCodecs(topic: string, partition = 0): Promise<string[]> {
  // The test broker's log.dirs (test/brokers/kafka.mjs); KAFKA_DATA_DIR for another local broker.
  const dir = path.join(process.env['KAFKA_DATA_DIR'] ?? kafkaPaths.data, `${topic}-${partition}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f));
  const result = await runJava('kafka.tools.DumpLogSegments', ['--files', files.join(',')]);
  return [...result.stdout.matchAll(/compresscodec: (\w+)/g)].map((m) => (m[1] as string).toLowerCase());
}
