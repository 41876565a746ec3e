#!/usr/bin/env node
// `npm start`: all of aisle on this machine, on embedded defaults, with nothing else to install:
// the hub (SQLite, embedded broker, REST + socket.io), one gateway per store and per van of
// scenarios/demo.yaml (each with its own broker, outbox and local API), and the simulator driving
// every device of that world into its site's gateway, a simulated day at 30×; and the vans of
// scenarios/demo-routes.yaml, which drive the routes the hub plans for the parcels waiting at the
// DC (plan and re-plan them in the Logistics view). It prints the URLs
// and the demo logins, keeps one status line, and on Ctrl-C stops the simulator, then the
// gateways, then the hub, and removes its temporary data.
//
// Environment: AISLE_DEMO_SPEED (simulated seconds per second, default 30), AISLE_DEMO_MINUTES
// (simulated minutes, default 1440), AISLE_DEMO_PORT (the hub's HTTP port, default 8080; 0 puts
// every process on a free port). Ports taken by something else are replaced by free ones.
//
// The simulated stores' staff follow the hub's tasks (`aisle-sim run --hub`, as user sim-staff with
// a random password in the temp dir): a refill task completed in the dashboards puts its units on
// the simulated lane. The scenario's built-in restocking stays on as well: the demo runs no
// replenishment planner, so without it the shelves would run empty during the day; both refill
// through the same rule (never past a lane's capacity), so they do not conflict.
//
// Why 30×: the demo world's 400 shelf lanes report every 10 simulated seconds, so at 30× the
// devices send ~1,200 messages/s. Measured on the project's 2-core VM (busy with other work), the
// whole stack then takes about half a core and the hub stores everything as it comes; at 60× the
// hub falls behind (~1,650 of 2,400 items/s) and the backlog grows for as long as it runs.
import { spawnSync } from 'node:child_process';
import { randomBytes, scrypt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { DemoProcesses } from './demo/processes.js';

const root = join(import.meta.dirname, '..');
/**
 * Where each program runs from: the build in dist/ (`npm start` builds first), or, when this script
 * runs with `--conditions=aisle-source` and the TypeScript hooks as the tests run it (see
 * test/helpers/ts-hooks.mjs), the sources, every process with the same node flags.
 */
const fromSource = process.execArgv.some((flag) => flag.endsWith('aisle-source'));
const bin = (pkg) => join(root, pkg, fromSource ? 'src/main.ts' : 'dist/main.js');
const node = (pkg, ...args) => [...(fromSource ? process.execArgv : []), bin(pkg), ...args];
const SCENARIO = join(root, 'scenarios/demo.yaml');
/** The routed vans' world: on the wall clock, as the hub's routing plans (see the scenario's head). */
const ROUTES_SCENARIO = join(root, 'scenarios/demo-routes.yaml');
/** Parcels waiting at the DC when the demo starts: north, east, south and west of it, 2–9 km out. */
const PARCELS = [
  [2, 0],
  [4, 1],
  [6, -1],
  [1, 3],
  [-2, 5],
  [-4, 2],
  [-1, -3],
  [3, -6],
  [7, 4],
];
/** The ports a newcomer can remember; any that is taken is replaced by a free one. */
const DEMO_PORTS = { hubMqtt: 1884, gatewayMqtt: 1901, gatewayHttp: 9101 };
const LOGINS = [
  { username: 'admin', password: 'aisle-demo-admin', role: 'admin', sites: [], note: 'every site; users, registry' },
  { username: 'staff-a', password: 'aisle-demo-staff', role: 'staff', sites: ['store-a'], note: 'store-a only' },
  { username: 'planner', password: 'aisle-demo-planner', role: 'planner', sites: [], note: 'every site' },
];
const [ADMIN] = LOGINS;
/** How long each process may take to start, and to stop after SIGTERM before it is killed. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * A secret as the hub and the gateways store it: `scrypt$N$r$p$salt$key` (the protocols'
 * `DeviceCredential.passwordHash`), at N=2^10 where `hashPassword` uses 2^14. That cost is there to
 * slow the brute-forcing of leaked hashes of human-chosen passwords; the demo's secrets are random
 * (gateways 144 bits, devices 64), and at full cost their 74 hashes and the gateways' 66 checks
 * take ~10 s of a 2-core machine's start.
 */
function hashSecret(secret) {
  const cost = { N: 1024, r: 8, p: 1 };
  const salt = randomBytes(16);
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, 32, cost, (error, key) =>
      error
        ? reject(error)
        : resolve(`scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`),
    ),
  );
}

/**
 * Where the demo keeps its data: in memory (/dev/shm) when there is room for a simulated day, else
 * the temp dir. The data dies with the demo anyway, and on this project's 2-core VM the fsync of
 * every SQLite commit (hub ingest, gateway outboxes) on disk caps the hub at ~250 stored items/s,
 * less than the devices make at 10×. The hub takes ~380 bytes per item: ~1.3 GB for a day at 30×.
 */
function dataRoot() {
  const MEMORY_BYTES = 2 * 1024 ** 3;
  try {
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize >= MEMORY_BYTES) return '/dev/shm';
  } catch {
    // No /dev/shm here.
  }
  return tmpdir();
}

/** The environment, checked once: every bad `NAME=value` is listed. */
function readEnv() {
  const bad = [];
  const number = (name, fallback, ok, what) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!ok(value)) bad.push(`${name}=${raw} (${what})`);
    return value;
  };
  const speed = number('AISLE_DEMO_SPEED', 30, (v) => v > 0 && v <= 100_000, 'a positive number');
  const minutes = number('AISLE_DEMO_MINUTES', 1440, (v) => v > 0 && v <= 525_600, 'minutes, at most a year');
  const port = number('AISLE_DEMO_PORT', 8080, (v) => Number.isInteger(v) && v >= 0 && v <= 65_535, 'a TCP port');
  if (bad.length > 0) {
    console.error(`aisle demo: invalid environment: ${bad.join('; ')}`);
    process.exit(2);
  }
  return { speed, minutes, port };
}

/** A server listening on `port` of loopback, or undefined when the port is taken. */
function listenOn(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * One port per entry of `preferred`: that port when it is free on loopback, else (or for 0) a free
 * one. All are held until all are chosen, so they differ; the processes bind them right after.
 */
async function reservePorts(preferred) {
  const servers = [];
  for (const port of preferred) servers.push((port !== 0 && (await listenOn(port))) || (await listenOn(0)));
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

const children = new DemoProcesses({ cwd: root, onCrash: crashed });
let statusTimer;
let tempDir;
const clearLine = () => process.stdout.isTTY && process.stdout.write('\r\x1b[K');

/** Stops the simulator, then the gateways, then the hub; removes the data; exits with `code`. */
async function shutdown(code) {
  if (children.stopping) return;
  children.stopping = true;
  clearInterval(statusTimer);
  clearLine();
  const byRole = (test) => children.all.filter((p) => test(p.name));
  const steps = [
    ['simulator', byRole((n) => n.startsWith('simulator'))],
    ['gateways', byRole((n) => n.startsWith('gw-'))],
    ['hub', byRole((n) => n === 'hub')],
  ];
  const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  const started = Date.now();
  process.stdout.write('stopping:');
  for (const [what, step] of steps) {
    if (step.length === 0) continue;
    const stepStarted = Date.now();
    const stopped = await Promise.all(
      step.map(async (p) => ({ name: p.name, killed: await children.stop(p, STOP_TIMEOUT_MS) })),
    );
    const killed = stopped.filter((p) => p.killed).map((p) => p.name);
    const note = killed.length === 0 ? '' : `, killed after ${STOP_TIMEOUT_MS / 1000} s: ${killed.join(', ')}`;
    process.stdout.write(` ${what} (${seconds(stepStarted)}${note})`);
  }
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  console.log(`; all stopped in ${seconds(started)}.`);
  process.exit(code);
}

function crashed(proc) {
  clearLine();
  const how = proc.exit.signal === null ? `with code ${proc.exit.code}` : `on ${proc.exit.signal}`;
  console.error(`\n${proc.name} (pid ${proc.pid}) exited ${how}; its last output:`);
  for (const line of proc.tail) console.error(`  | ${line}`);
  void shutdown(1);
}

/** Ctrl-C, or a terminal closing: stop in order. A second one while stopping kills what is left. */
function onSignal() {
  if (!children.stopping) return void shutdown(0);
  children.killAll();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  process.exit(130);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
// Whatever way this script ends, nothing it started outlives it, nor its data.
process.on('exit', () => {
  children.killAll();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
});
// Output may lead nowhere by then (a closed terminal, a reader gone): stopping must go on.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

/** `node <bin> <args>` to completion: its stdout, or an error with its stderr. */
function runToEnd(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr || result.error}`);
  return result.stdout;
}

/** A GET, or a POST of `body`, to the hub; the parsed answer (text for /metrics), or an error naming the status. */
async function api(hubUrl, path, { token, body } = {}) {
  const method = body === undefined ? 'GET' : 'POST';
  const response = await fetch(`${hubUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return path === '/metrics' ? text : JSON.parse(text);
}

const siteName = (site) =>
  ({ store: 'Store', van: 'Van', dc: 'Distribution centre' })[site.kind] +
  ` ${site.site.replace(/^[a-z]+-/, '').toUpperCase()}`;

async function main() {
  const env = readEnv();
  const missing = ['hub', 'edge', 'device-sim'].map(bin).filter((path) => !existsSync(path));
  // The hub serves the dashboards' build (or the directory AISLE_HUB__HTTP__DASHBOARDS_DIR names).
  const dashboards = process.env.AISLE_HUB__HTTP__DASHBOARDS_DIR || join(root, 'dashboards/dist');
  if (!fromSource && !existsSync(join(dashboards, 'index.html'))) missing.push(dashboards);
  if (missing.length > 0)
    throw new Error(`not built: ${missing.join(', ')} (npm start builds first; or npm run build)`);
  const t0 = Date.now();
  const anyPort = env.port === 0;
  tempDir = mkdtempSync(join(dataRoot(), 'aisle-demo-'));
  const socat = (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'socat')));
  const worldArgs = ['--scenario', SCENARIO, ...(socat ? ['--serial-dir', join(tempDir, 'serial')] : ['--mqtt-only'])];
  const inventory = JSON.parse(runToEnd(node('device-sim', 'sites', ...worldArgs)));
  const daySites = inventory.sites.filter((s) => s.kind !== 'dc' && (s.devices.length > 0 || s.serial.length > 0));
  const routesWorld = JSON.parse(runToEnd(node('device-sim', 'sites', '--scenario', ROUTES_SCENARIO, '--mqtt-only')));
  const routeVans = routesWorld.sites.filter((s) => s.kind === 'van');
  const depot = routesWorld.sites.find((s) => s.kind === 'dc');
  const gatewaySites = [...daySites, ...routeVans];

  const n = gatewaySites.length;
  const demoPorts = [
    env.port,
    DEMO_PORTS.hubMqtt,
    ...gatewaySites.map((_, i) => DEMO_PORTS.gatewayMqtt + i),
    ...gatewaySites.map((_, i) => DEMO_PORTS.gatewayHttp + i),
  ];
  const ports = await reservePorts(anyPort ? demoPorts.map(() => 0) : demoPorts);
  const hubBroker = `mqtt://127.0.0.1:${ports[1]}`;
  const gateways = gatewaySites.map((site, i) => ({
    site,
    routed: routeVans.includes(site),
    gateway: `gw-${site.site}`,
    password: randomBytes(18).toString('base64url'),
    mqttPort: ports[2 + i],
    httpPort: ports[2 + n + i],
  }));
  for (const g of gateways) g.passwordHash = await hashSecret(g.password);
  // Who the simulator's staff sign in as: staff of every store (created below, with the demo users).
  const simStaff = {
    username: 'sim-staff',
    password: randomBytes(18).toString('base64url'),
    role: 'staff',
    sites: inventory.sites.filter((s) => s.kind === 'store').map((s) => s.site),
  };
  const simStaffPassword = join(tempDir, 'sim-staff.password');
  writeFileSync(simStaffPassword, simStaff.password, { mode: 0o600 });

  // The hub knows each gateway (its credentials) from the start; its admin comes from the config.
  const hubConfig = join(tempDir, 'hub.json');
  writeFileSync(
    hubConfig,
    JSON.stringify({
      dataDir: join(tempDir, 'hub'),
      http: { host: '127.0.0.1', port: ports[0] },
      broker: { host: '127.0.0.1', port: ports[1] },
      auth: { admin: { username: ADMIN.username, password: ADMIN.password } },
      gateways: gateways.map((g) => ({ site: g.site.site, gateway: g.gateway, passwordHash: g.passwordHash })),
      // Baskets arrive 30× faster than in a store: retrain every 5 minutes (a simulated 2½ hours).
      recommendation: { retrainEveryMs: 300_000 },
      // The routed vans' world starts now and runs at the demo's speed, ahead of the wall clock:
      // their fixes are taken at their own time (a simulated day ahead at most).
      ingest: { maxFutureSkewMs: 86_400_000 },
      routing: {
        depots: { [depot.site]: depot.location },
        fleet: routeVans.map((van) => ({
          vehicle: van.site,
          gateway: `gw-${van.site}`,
          depot: depot.site,
          capacity: [10],
          shift: { start: '00:00', end: '24:00' },
          timeZone: 'UTC',
        })),
        speedKmh: 36,
        solve: { timeLimitMs: 2000 },
        // The planner re-plans from the Logistics view: a new parcel waits for the button.
        replan: { debounceMs: 3_600_000 },
      },
    }),
  );
  const hub = children.start('hub', node('hub', 'serve', '--config', hubConfig));
  const hubStarted = children.waitForLog(hub, (e) => e.msg === 'hub started', 'hub started', START_TIMEOUT_MS);

  // Meanwhile the gateways: they need no hub to start (their uplinks retry until it listens), only
  // their devices' credentials. A device may publish its report rate times the speed; the
  // per-device rate limit must allow it.
  const publishesPerSecond = Math.max(50, Math.ceil(2 * env.speed));
  const gatewaysStarted = gateways.map(async (g) => {
    const devices = await Promise.all(
      g.site.devices.map(async ({ device, kind, username, password }) => ({
        device,
        kind,
        username,
        passwordHash: await hashSecret(password),
      })),
    );
    const config = join(tempDir, `${g.gateway}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        site: g.site.site,
        gateway: g.gateway,
        dataDir: join(tempDir, g.gateway),
        broker: { host: '127.0.0.1', port: g.mqttPort, publishesPerSecond, publishBurst: 4 * publishesPerSecond },
        devices,
        serial: g.site.serial.map((s) => ({ path: s.path, protocol: s.protocol, device: s.device })),
        lanes: g.site.lanes,
        // A routed van's world runs ahead of the wall clock (see the hub's ingest below): its
        // devices' timestamps are kept, not clamped to receive time, so its fixes stay in order.
        ...(g.routed
          ? {
              van: { gpsDevice: g.site.devices.find((d) => d.kind === 'gps-tracker').device },
              rules: { maxFutureSkewMs: 86_400_000 },
            }
          : {}),
        uplink: { url: hubBroker, username: g.gateway, password: g.password },
        http: { host: '127.0.0.1', port: g.httpPort },
      }),
    );
    const proc = children.start(g.gateway, node('edge', '--config', config));
    await children.waitForLog(proc, (e) => e.msg === 'gateway started', 'gateway started', START_TIMEOUT_MS);
  });

  // Then the simulator, each site's devices on its gateway's broker.
  const PROGRESS = /([\d.]+)%\s+simulated (\S+)\s+(\d+) messages/;
  const simStarted = Promise.all(gatewaysStarted).then(() => {
    const sim = children.start(
      'simulator',
      node(
        'device-sim',
        'run',
        ...worldArgs,
        ...gateways
          .filter((g) => !g.routed)
          .flatMap((g) => ['--broker', `${g.site.site}=mqtt://127.0.0.1:${g.mqttPort}`]),
        '--speed',
        String(env.speed),
        '--duration',
        `${env.minutes}m`,
        // Signs in once the hub is up and sim-staff exists (it retries until then).
        '--hub',
        `http://127.0.0.1:${ports[0]}`,
        '--hub-user',
        simStaff.username,
        '--hub-password-file',
        simStaffPassword,
      ),
      { mayFinish: true },
    );
    const running = (e) => typeof e.text === 'string' && PROGRESS.test(e.text);
    return children.waitForLog(sim, running, 'first progress', START_TIMEOUT_MS).then(() => sim);
  });
  simStarted.catch(() => undefined); // awaited below; a failure before then is reported once, there
  // And the routed vans' world, on the wall clock: parked at the DC until the hub sends a route.
  const routesSimStarted = Promise.all(gatewaysStarted).then(() =>
    children.start(
      'simulator-routes',
      node(
        'device-sim',
        'run',
        '--scenario',
        ROUTES_SCENARIO,
        '--mqtt-only',
        ...gateways
          .filter((g) => g.routed)
          .flatMap((g) => ['--broker', `${g.site.site}=mqtt://127.0.0.1:${g.mqttPort}`]),
        '--start',
        'now',
        '--speed',
        String(env.speed),
        '--duration',
        `${env.minutes}m`,
        '--quiet',
      ),
      { mayFinish: true },
    ),
  );
  routesSimStarted.catch(() => undefined);

  // And, once the hub is up, the sites and the demo users, through the REST API as an admin would.
  const { http: hubUrl } = await hubStarted;
  const login = async (user) =>
    (await api(hubUrl, '/api/auth/login', { body: { username: user.username, password: user.password } })).token;
  let token = await login(ADMIN);
  for (const site of [...inventory.sites, ...routeVans])
    await api(hubUrl, '/api/sites', { token, body: { site: site.site, name: siteName(site), kind: site.kind } });
  // Parcels booked for today at the DC, waiting for the planner to plan them (Logistics view).
  const booked = Date.now();
  for (const [northKm, eastKm] of PARCELS)
    await api(hubUrl, '/api/routing/jobs', {
      token,
      body: {
        location: {
          lat: depot.location.lat + (northKm * 1000) / 111_195,
          lon: depot.location.lon + (eastKm * 1000) / (111_195 * Math.cos((depot.location.lat * Math.PI) / 180)),
        },
        demand: [1],
        serviceMs: 5 * 60_000,
        timeWindows: [{ start: booked, end: booked + 10 * 3_600_000 }],
      },
    });
  for (const { username, password, role, sites } of [...LOGINS.slice(1), simStaff])
    await api(hubUrl, '/api/users', { token, body: { username, password, role, sites } });

  const sim = await simStarted;
  await routesSimStarted;
  const progress = { text: 'simulator started' };
  sim.onLine = (line) => {
    const m = PROGRESS.exec(line);
    if (m !== null)
      progress.text = `simulated ${m[2]} (${m[1]}%), ${Number(m[3]).toLocaleString('en')} device messages`;
    else if (line.startsWith('{')) progress.text = 'simulation finished';
  };

  const devices = daySites.reduce((n, s) => n + s.devices.length + s.serial.length, 0);
  const serialCount = daySites.reduce((n, s) => n + s.serial.length, 0);
  const pad = (text, width) => text.padEnd(width);
  const out = [
    '',
    `aisle is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    '',
    `  dashboards   ${hubUrl}/   the dashboards in a browser; sign in with a demo login below`,
    `  hub API      ${hubUrl}   REST and socket.io`,
    `  hub health   ${hubUrl}/health   ${hubUrl}/metrics`,
    `  hub broker   ${hubBroker}   where the gateways uplink`,
    ...gateways.map(
      (g) =>
        `  ${pad(g.gateway, 12)} http://127.0.0.1:${g.httpPort}   local API (/state /health /metrics); devices on mqtt://127.0.0.1:${g.mqttPort}`,
    ),
    `  simulator    ${relative(root, SCENARIO)}: ${devices} devices, ${serialCount} of them on serial lines;` +
      ` ${env.minutes} simulated minutes at ${env.speed}×`,
    `               ${relative(root, ROUTES_SCENARIO)}: ${routeVans.map((v) => v.site).join(', ')} from now at ${env.speed}×,` +
      ` driving the routes the hub plans for ${PARCELS.length} parcels waiting at ${depot.site}`,
    ...(socat ? [] : ['               socat not found: the serial scales and GPS publish over MQTT instead']),
    `  data         ${tempDir} (removed on exit)`,
    `  processes    ${children.all.map((p) => `${p.name} ${p.pid}`).join(', ')}`,
    '',
    '  demo logins (username / password)',
    ...LOGINS.map((u) => `    ${pad(`${u.username} / ${u.password}`, 32)} (${u.role}: ${u.note})`),
    '',
    '  try it:',
    `    TOKEN=$(curl -s ${hubUrl}/api/auth/login -H 'content-type: application/json' \\`,
    `      -d '{"username":"${ADMIN.username}","password":"${ADMIN.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
    `    curl -s -H "authorization: Bearer $TOKEN" '${hubUrl}/api/sites/store-a/latest?type=shelf.level'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(out.join('\n'));

  // One status line: items stored at the hub (its /metrics), gateways online (its /api/gateways).
  let ticks = 0;
  const status = async () => {
    let line;
    try {
      const metrics = await api(hubUrl, '/metrics');
      const items = [...metrics.matchAll(/^aisle_hub_items_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      const states = await api(hubUrl, '/api/gateways', { token }).catch(async () => {
        token = await login(ADMIN);
        return api(hubUrl, '/api/gateways', { token });
      });
      const online = states.filter((s) => s.status === 'online').length;
      line = `${progress.text} · ${items.toLocaleString('en')} items stored at the hub · gateways online ${online}/${gateways.length}`;
    } catch (error) {
      line = `hub not answering: ${error.message}`;
    }
    if (children.stopping) return;
    // A live line on a terminal, cut to its width (a wrapped line is not rewritten by \r); a line
    // every 10 s when piped.
    const width = process.stdout.columns || 80;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${`  ${line}`.slice(0, width - 1)}`);
    else if (ticks++ % 5 === 0) console.log(`  ${line}`);
  };
  statusTimer = setInterval(status, 2000);
}

main().catch((error) => {
  // A crashed process is reported by `crashed`, with its last output.
  if (children.stopping || children.failing) return;
  console.error(`aisle demo: ${error.message}`);
  void shutdown(1);
});
