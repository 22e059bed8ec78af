// End-to-end harness: runs the real release `jeco serve` against a fresh PostgreSQL
// database on a free loopback port, can stop and restart it on the same port (same
// database, same data dir, so tokens stay valid), and drops the database afterwards.
// Databases are cloned from the migrated template the Rust integration tests use
// (`jeco_tpl_<hash of migrations/>`, see api/tests/api/test_db.rs), built here with
// `jeco migrate` under the same advisory lock when it does not exist yet.
//
// Environment: JECO_BIN (default $CARGO_TARGET_DIR/release/jeco),
// JECO_E2E_DATABASE_URL (a server URL without database; default DEFAULT_PG_BASE
// below), JECO_E2E_KEEP=1 keeps database and data dir.

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

const JECO_BIN =
  process.env.JECO_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? '/var/tmp/jeco-target', 'release', 'jeco');
/** The test PostgreSQL server (no database name) unless the environment names one. */
export const DEFAULT_PG_BASE = 'postgres://postgres@127.0.0.1:5432';
const PG_BASE = (
  process.env.JECO_E2E_DATABASE_URL ??
  process.env.JECO_TEST_DATABASE_URL ??
  DEFAULT_PG_BASE
).replace(/\/+$/, '');
/** Held (on the `postgres` database) while a template is built; the Rust tests use the same key. */
const TEMPLATE_LOCK = 742032;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short random hex, for unique names. */
export const rand = (bytes = 4) => randomBytes(bytes).toString('hex');

async function psql(sql) {
  await execFileP('psql', ['-w', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql, `${PG_BASE}/postgres`], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
}

async function psqlValue(sql) {
  const { stdout } = await execFileP('psql', ['-w', '-X', '-q', '-A', '-t', '-c', sql, `${PG_BASE}/postgres`], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  return stdout.trim();
}

/** Relative paths (`/`-separated) of every file under `dir`. */
async function filesUnder(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * `jeco_tpl_` + the first 8 hex digits of the SHA-256 over `migrations/` (each
 * file's sorted relative path, a NUL, its bytes, a NUL): the same name as the Rust
 * tests' `migrations_hash`, so both suites share one template.
 */
async function templateName() {
  const root = path.join(ROOT, 'migrations');
  const hash = createHash('sha256');
  for (const rel of (await filesUnder(root)).sort()) {
    hash.update(rel);
    hash.update(Buffer.from([0]));
    hash.update(await readFile(path.join(root, rel)));
    hash.update(Buffer.from([0]));
  }
  return `jeco_tpl_${hash.digest('hex').slice(0, 8)}`;
}

/**
 * A psql session kept open (it holds the advisory lock): `run(sql)` resolves once
 * psql has executed `sql`; any SQL error ends the session and rejects.
 */
function psqlSession() {
  const child = spawn('psql', ['-w', '-X', '-q', '-v', 'ON_ERROR_STOP=1', `${PG_BASE}/postgres`], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let waiter = null;
  let serial = 0;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdout.on('data', (d) => {
    out += d;
    waiter?.();
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  exited.then(() => waiter?.());
  return {
    async run(sql) {
      serial += 1;
      const marker = `__jeco_done_${serial}__`;
      child.stdin.write(`${sql};\n\\echo ${marker}\n`);
      while (!out.includes(marker)) {
        if (child.exitCode !== null) throw new Error(`psql: ${err.trim() || 'exited'}`);
        await new Promise((resolve) => {
          waiter = resolve;
        });
      }
      waiter = null;
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

let templatePromise = null;

/** The migrated template's name, built (once per process) if no one has yet. */
function template() {
  templatePromise ??= buildTemplate().catch((err) => {
    templatePromise = null;
    throw err;
  });
  return templatePromise;
}

async function buildTemplate() {
  if (!existsSync(JECO_BIN)) throw new Error(`JECO_BIN not found: ${JECO_BIN} (build with cargo build --release -p jeco-api)`);
  const name = await templateName();
  const session = psqlSession();
  try {
    await session.run(`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`);
    if ((await psqlValue(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`)) === '0') {
      // Built under another name and renamed when complete: a crashed build is never used.
      const building = `${name}_build`;
      await session.run(`DROP DATABASE IF EXISTS "${building}"`);
      await session.run(`CREATE DATABASE "${building}"`);
      await execFileP(JECO_BIN, ['migrate'], {
        env: { ...process.env, DATABASE_URL: `${PG_BASE}/${building}`, RUST_LOG: 'warn' },
      });
      // Nobody may connect to a template: CREATE DATABASE … TEMPLATE would fail.
      await session.run(`ALTER DATABASE "${building}" WITH ALLOW_CONNECTIONS false`);
      await session.run(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    }
    await session.run(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK})`);
  } finally {
    await session.close();
  }
  return name;
}

// Servers still running when the test process exits (a crash, a timeout) are killed,
// so no `jeco serve` outlives its test file.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One running `jeco serve`. */
export class JecoServer {
  /**
   * Creates a database and a data dir, picks a port, starts the server.
   * `shareWith`: another JecoServer whose database and data dir this one uses (a
   * second instance of the same deployment). `env`: extra environment.
   */
  static async start({ name = 'e2e', env = {}, shareWith = null } = {}) {
    const server = new JecoServer(name, env);
    if (shareWith) {
      server.database = shareWith.database;
      server.dataDir = shareWith.dataDir;
      server.ownsResources = false;
    } else {
      server.database = `jeco_e2e_${rand()}`;
      await psql(`CREATE DATABASE "${server.database}" TEMPLATE "${await template()}"`);
      server.dataDir = await mkdtemp(path.join(os.tmpdir(), 'jeco-e2e-'));
      server.ownsResources = true;
    }
    server.port = await freePort();
    await mkdir(ARTIFACTS, { recursive: true });
    server.logPath = path.join(ARTIFACTS, `server-${name}-${server.database}-${server.port}.log`);
    try {
      await server.start();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  constructor(name, env) {
    this.name = name;
    this.extraEnv = env;
    this.child = null;
    this.starts = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get graphqlUrl() {
    return `${this.url}/graphql`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/graphql/ws`;
  }

  get databaseUrl() {
    return `${PG_BASE}/${this.database}`;
  }

  /** Starts the process and waits until /readyz answers 200. */
  async start() {
    if (this.child) throw new Error('server already running');
    if (!existsSync(JECO_BIN)) throw new Error(`JECO_BIN not found: ${JECO_BIN} (build with cargo build --release -p jeco-api)`);
    this.starts += 1;
    const log = createWriteStream(this.logPath, { flags: 'a' });
    log.write(`\n===== start #${this.starts} ${new Date().toISOString()} =====\n`);
    const env = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      JECO_BIND: `127.0.0.1:${this.port}`,
      JECO_PUBLIC_URL: this.url,
      JECO_WEB_DIR: path.join(ROOT, 'web', 'dist'),
      JECO_GRAPHIQL_DIR: path.join(ROOT, 'api', 'graphiql'),
      JECO_DATA_DIR: this.dataDir,
      // The e2e tests check behaviour, not limits: they seed messages quickly and
      // all their traffic (several users, two browsers) comes from 127.0.0.1.
      JECO_SEND_RATE: '1000',
      JECO_AUTH_RATE: '1000',
      JECO_IP_RATE: '10000',
      JECO_WRITE_RATE: '1000',
      JECO_WS_PER_USER: '1000',
      JECO_WS_PER_IP: '1000',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
      NO_COLOR: '1',
      ...this.extraEnv,
    };
    delete env.REDIS_URL;
    if (this.extraEnv.REDIS_URL) env.REDIS_URL = this.extraEnv.REDIS_URL;
    // Mail goes to the outbox folder (see outbox()) unless a test asks for SMTP.
    delete env.SMTP_URL;
    if (this.extraEnv.SMTP_URL) env.SMTP_URL = this.extraEnv.SMTP_URL;

    // The port can linger for a moment after a stop: retry a few times.
    let lastError;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const child = spawn(JECO_BIN, ['serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      running.add(child);
      const exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          running.delete(child);
          resolve({ code, signal });
        }),
      );
      this.child = child;
      this.exited = exited;
      try {
        await this.#waitReady(exited);
        return;
      } catch (err) {
        lastError = err;
        this.child = null;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        const tail = await this.logTail();
        if (!/address (already )?in use/i.test(tail)) break;
        await sleep(500);
      }
    }
    throw new Error(`${lastError.message}\n--- server log (${this.logPath}) ---\n${await this.logTail()}`);
  }

  async #waitReady(exited) {
    const deadline = Date.now() + 90_000;
    let done = null;
    exited.then((status) => {
      done = status;
    });
    while (Date.now() < deadline) {
      if (done) throw new Error(`jeco serve exited early (code ${done.code}, signal ${done.signal})`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error('jeco serve did not become ready within 90 s');
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s). */
  async stop() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stop, then start again on the same port with the same database and data dir. */
  async restart() {
    await this.stop();
    await this.start();
  }

  /** Stops the server and (unless shared or JECO_E2E_KEEP=1) drops its database and data dir. */
  async close() {
    await this.stop();
    if (!this.ownsResources || process.env.JECO_E2E_KEEP === '1') return;
    try {
      await psql(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
    } catch (err) {
      console.error(`could not drop ${this.database}: ${err.message}`);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** `$JECO_DATA_DIR/outbox`: where the server writes mail when SMTP_URL is unset. */
  get outboxDir() {
    return path.join(this.dataDir, 'outbox');
  }

  /** The mails in the outbox, oldest first: [{ file, raw }] (raw RFC 5322 text). */
  async outbox() {
    let names;
    try {
      names = (await readdir(this.outboxDir)).filter((n) => n.endsWith('.eml')).sort();
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw err;
    }
    return Promise.all(
      names.map(async (name) => {
        const file = path.join(this.outboxDir, name);
        return { file, raw: await readFile(file, 'utf8') };
      }),
    );
  }

  async logTail(lines = 40) {
    try {
      return (await readFile(this.logPath, 'utf8')).split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
