/**
 * What each field of `databox-app.json` means, as editors show it on hover and completion (VS Code
 * and others read `description` from the published JSON Schema). Keyed by the field's path:
 * property names joined by `.`, `[]` for the items of a list; the variants of `runtime` and
 * `schedule` share their keys. `manifestJsonSchema()` copies them in, and a test fails when a
 * field has none or a key names no field, so a new field cannot be published undescribed.
 */
export const MANIFEST_DESCRIPTIONS: Readonly<Record<string, string>> = {
  $schema:
    'The JSON Schema this file follows, for editors (e.g. "../apps-sdk/databox-app.schema.json"); ignored by the box.',
  id: 'The app\'s id on the box: 2–64 lower-case letters, digits or "-". It names the app in the CLI, the audit trail and its private kv; keep it the same across versions.',
  name: 'The name the householder sees on the consent screen and the dashboard (up to 100 characters).',
  version:
    "The app's semantic version (1.2.0). An install of another version is an upgrade: unchanged grants are kept and the previous version is kept for rollback.",
  description: 'What the app does, in plain words, shown on the consent screen (up to 2,000 characters).',
  author: 'Who made the app (a person or an organisation), shown on the consent screen.',
  homepage: 'A web page about the app, shown as a link; the box never fetches it.',
  runtime:
    'How the box runs the code: "isolate" (one bundled JavaScript file in a fresh V8 isolate) or "container" (a local Docker image, any language).',
  'runtime.type': '"isolate" or "container".',
  'runtime.entry':
    'Isolate apps: the bundled script the box runs, relative to the app folder (e.g. "dist/app.js"); `databox app build` writes it.',
  'runtime.source':
    'Isolate apps: the source `databox app build` bundles into `entry` (default "src/index.ts").',
  'runtime.image':
    'Container apps: a local image; "databox/node-base" or "databox/python-base" mean the base images `databox image build` makes from the host\'s node or python3. There is no registry.',
  'runtime.command':
    'Container apps: the command run in the image, whose entrypoint is node or python3 (e.g. ["/app/dist/app.js"]); the app folder is mounted read-only at /app.',
  'runtime.language':
    'Container apps: what the code is written in. "node" (the default) is bundled by `databox app build` into dist/app.js; "python" and "other" run their files as they are.',
  requests:
    'The data the app asks for, one entry per kind of datasource; the householder grants, narrows or declines each at install.',
  'requests[].name':
    'The name the app reads the request by (`ctx.data.read("power")`): a letter, then letters, digits, _ or -.',
  'requests[].kind':
    'The kind of datasource asked for (e.g. "electricity.import.power", "temperature"); the householder picks which datasource of that kind.',
  'requests[].required':
    'Whether the app cannot work without it (default true): a required request cannot be declined, only the install refused.',
  'requests[].resolutions':
    'The resolutions the app can work with, each with what it lets the app do; the householder may grant any of them or a coarser one, never a finer one.',
  'requests[].resolutions[].resolution':
    'A resolution: "raw", "10s", "1min", "5min", "15min", "30min", "1h" or "1d".',
  'requests[].resolutions[].purpose':
    'What this resolution lets the app do, in plain words for the consent screen (up to 500 characters).',
  'requests[].history':
    'How far back the app may read, an ISO 8601 duration (P30D, PT6H, P1Y); the householder may grant less.',
  'requests[].aggregates':
    'The statistics the app reads per bucket ("mean", "min", "max", "sum", "count", "first", "last", "delta"); only these are served.',
  insights:
    'What the app shows the householder: each insight key it may emit, with a title, a description and optionally a JSON Schema for its data.',
  'insights[].key': 'The key the app emits the insight under (`ctx.insight.emit({ key })`).',
  'insights[].title': "The insight's title on the dashboard (up to 200 characters).",
  'insights[].description': 'What the insight tells the householder, shown with it (up to 1,000 characters).',
  'insights[].schema':
    "A JSON Schema the insight's `data` must match; an emit that does not match is refused.",
  exports:
    'What the app may send out of the box: each destination with its reason and payload schema. The householder approves or declines each; exports go only through the export gateway.',
  'exports[].id': 'The destination id the app exports to (`ctx.export.request("monthly-summary", payload)`).',
  'exports[].url':
    'Where the export gateway delivers: an https:// URL (http:// only to localhost, for development).',
  'exports[].reason':
    'Why the app sends this, in plain words for the consent screen (up to 1,000 characters).',
  'exports[].schema':
    'A JSON Schema every payload must match; it must bound every value (maxLength, maxItems, additionalProperties: false), so the consent screen can say how much can leave.',
  'exports[].maxBytes': 'The largest payload in bytes (at most 1,000,000).',
  'exports[].maxPerDay': 'How many exports to this destination a day at most (up to 1,440).',
  timeZone:
    'Asks for the household\'s time zone (e.g. "Europe/Amsterdam"), so the app can speak of local hours and days. Optional for the householder, who sees `reason` and that it tells the app roughly where the home is; if declined, `ctx.timeZone()` gives null and the app should work in UTC and say so.',
  'timeZone.reason':
    'Why the app needs the zone, in plain words for the consent screen (up to 500 characters), e.g. "so that \'evening\' means your evening".',
  schedule:
    'When the app runs: "manual" (default; the householder or the CLI runs it), "interval" or "on-new-data".',
  'schedule.type': '"manual", "interval" or "on-new-data".',
  'schedule.every': 'Interval schedules: how often, an ISO 8601 duration (PT1H, P1D).',
  'schedule.runAtInstall':
    'Interval schedules: run once right after install; by default the first run waits one interval.',
  'schedule.minInterval':
    'On-new-data schedules: the shortest time between two runs, an ISO 8601 duration (default none).',
  settings:
    'The options the householder may set (a tariff, a threshold): a JSON Schema of an object whose properties each give a "default" (and may give a title and a description for the form). The app reads them with `ctx.settings.get()`.',
  assets:
    'Files or folders besides the manifest and the built code that `databox app pack` puts in the bundle, relative to the app folder (e.g. ["data/tariffs.json"]).',
  limits: 'What one run may use; the box ends a run that goes over.',
  'limits.memoryMb': 'Memory per run in MB (8–512, default 64).',
  'limits.timeoutMs': 'Wall-clock time per run in ms (100–600,000, default 30,000).',
};
