import { execFile } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { DataboxError } from '../errors.ts';
import { sharedLibraries, splitImageReference } from './node-image.ts';
import { copyInto, ensureImage, finishRootfs } from './scratch-image.ts';

const run = promisify(execFile);

/** Where python lives inside the image; also its entrypoint. */
export const IMAGE_PYTHON_PATH = '/usr/local/bin/python3';
/** The repo of the Python base image, as a manifest names it (`"image": "databox/python-base"`). */
export const PYTHON_BASE_REPO = 'databox/python-base';

/** What the host's python says about itself (it is asked, not guessed: pyenv, Debian and others differ). */
export interface HostPython {
  /** The real binary (a pyenv shim or a symlink resolved). */
  executable: string;
  /** `3.11.7`. */
  version: string;
  /** `python3.11`: the stdlib folder's name. */
  libName: string;
  /** `lib` (or `lib64`): the folder under the prefix python looks in. */
  platlibdir: string;
  /** The pure-Python standard library folder. */
  stdlib: string;
  /** The folder of the stdlib's C extension modules (`lib-dynload`). */
  dynload: string;
}

const ASK_PYTHON = `import json, os, platform, sys, sysconfig
print(json.dumps({"executable": os.path.realpath(sys.executable), "version": platform.python_version(),
  "libName": "python%d.%d" % sys.version_info[:2], "platlibdir": getattr(sys, "platlibdir", "lib"),
  "stdlib": sysconfig.get_path("stdlib"), "dynload": sysconfig.get_config_var("DESTSHARED")}))`;

/** Asks `python` (default `python3` on PATH) where its binary and standard library are. */
export async function describeHostPython(python = 'python3'): Promise<HostPython> {
  try {
    const { stdout } = await run(python, ['-I', '-c', ASK_PYTHON], { timeout: 10_000 });
    return JSON.parse(stdout) as HostPython;
  } catch (cause) {
    throw new DataboxError(
      500,
      'image_build_failed',
      `cannot run ${python} to build the Python base image: ${(cause as Error).message.split('\n')[0]}`,
      { cause },
    );
  }
}

/**
 * What the image holds besides python, in its tag: `tz`, the zone database (`zoneinfo` needs it to
 * turn the household's zone, when an app is granted it, into local hours). A new suffix builds a
 * fresh image beside older ones.
 */
const IMAGE_CONTENTS = 'tz';
/** Where python's `zoneinfo` looks first, and where the image keeps the host's zone database. */
const ZONEINFO = '/usr/share/zoneinfo';

/** Default tag: the host python's version, so a python upgrade builds a fresh image. */
export async function defaultPythonBaseImageTag(python = 'python3'): Promise<string> {
  return `${PYTHON_BASE_REPO}:${(await describeHostPython(python)).version}-${IMAGE_CONTENTS}`;
}

/**
 * Import-time settings: the stdlib is found through PYTHONHOME; nothing is written to the read-only
 * root (no .pyc), no user site, output unbuffered so a run's logs keep their order, UTF-8 without
 * locale files.
 */
export const PYTHON_BASE_IMAGE_CHANGES: readonly string[] = [
  'USER 65534:65534',
  'WORKDIR /app',
  'ENV PATH=/usr/local/bin PYTHONHOME=/usr/local PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 PYTHONUNBUFFERED=1 PYTHONUTF8=1',
  `ENTRYPOINT ["${IMAGE_PYTHON_PATH}"]`,
  'LABEL org.databox.image=python-base',
];

/** Parts of the stdlib an app run never needs: tests, GUIs, the installer, build files, site-packages. */
const SKIPPED =
  /^(site-packages|dist-packages|test|tests|idlelib|tkinter|turtledemo|ensurepip|lib2to3|config-.*)$/;
/** Extension modules that pull in a display stack (X11, Tk): left out with tkinter. */
const SKIPPED_MODULES = /^_tkinter\./;

export interface PythonBaseImageOptions {
  /** Image reference to create, `repo:tag`. Default `databox/python-base:<host python version>`. */
  tag?: string;
  /** The python to copy (a name on PATH or a path). Default `python3`. */
  python?: string;
  /** Called with one line per step for logs. */
  onProgress?: (message: string) => void;
}

/**
 * Builds the Python base image the same way as the node one ({@link buildNodeBaseImage}): the
 * host's python binary and the libraries `ldd` lists for it, its standard library (without tests,
 * tkinter, idlelib, ensurepip and site-packages; compiled `.pyc` kept for quick starts), its
 * extension modules with their libraries, and /etc/passwd with nobody; no shell, no pip, no
 * registry. Returns the tag.
 *
 * @example
 * const image = await buildPythonBaseImage(docker, { onProgress: console.log });
 * // image === 'databox/python-base:3.11.7'; run it with Cmd ['/app/main.py']
 */
export async function buildPythonBaseImage(
  docker: Docker,
  options: PythonBaseImageOptions = {},
): Promise<string> {
  const progress = options.onProgress ?? (() => {});
  const host = await describeHostPython(options.python);
  const tag = options.tag ?? `${PYTHON_BASE_REPO}:${host.version}-${IMAGE_CONTENTS}`;
  const { repo, version } = splitImageReference(tag);
  const work = await mkdtemp(join(tmpdir(), 'databox-python-image-'));
  try {
    const root = join(work, 'rootfs');
    progress(`building ${tag} from ${host.executable} (python ${host.version})`);
    const libraries = new Set(await sharedLibraries(host.executable));
    await copyInto(root, host.executable, IMAGE_PYTHON_PATH);
    const stdlibTarget = `/usr/local/${host.platlibdir}/${host.libName}`;
    progress(`adding the standard library from ${host.stdlib}`);
    await copyTree(root, host.stdlib, stdlibTarget, host.dynload);
    for (const name of (await readdir(host.dynload)).sort()) {
      if (!name.endsWith('.so') || SKIPPED_MODULES.test(name)) continue;
      const source = join(host.dynload, name);
      try {
        for (const library of await sharedLibraries(source)) libraries.add(library);
      } catch (error) {
        progress(`leaving out ${name}: ${(error as Error).message}`); // a module whose library is missing
        continue;
      }
      await copyInto(root, source, `${stdlibTarget}/lib-dynload/${name}`);
    }
    if (await copyZoneinfo(root, ZONEINFO)) progress(`adding the zone database from ${ZONEINFO}`);
    else progress(`no zone database at ${ZONEINFO}: apps can only work in UTC`);
    await finishRootfs(docker, work, {
      root,
      libraries,
      repo,
      version,
      changes: PYTHON_BASE_IMAGE_CHANGES,
      progress,
    });
    progress(`built ${tag}`);
    return tag;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the Python base image tag, building the image only when the engine does not have it.
 *
 * @example
 * const image = await ensurePythonBaseImage(createDockerClient());
 */
export async function ensurePythonBaseImage(
  docker: Docker,
  options: PythonBaseImageOptions = {},
): Promise<string> {
  return ensureImage(docker, options.tag ?? (await defaultPythonBaseImageTag(options.python)), (tag) =>
    buildPythonBaseImage(docker, { ...options, tag }),
  );
}

/**
 * Copies the host's zone database: each zone file, an alias link as the file it names (several
 * names are links), without the `posix` and `right` duplicates. False when the host has none.
 */
async function copyZoneinfo(root: string, source: string, target = source): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await readdir(source, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    const from = join(source, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'posix' && entry.name !== 'right')
        await copyZoneinfo(root, from, `${target}/${entry.name}`);
    } else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(from).catch(() => null))?.isFile())) {
      await copyInto(root, from, `${target}/${entry.name}`, 0o644);
    }
  }
  return true;
}

/** Copies the stdlib's regular files (no links followed, skipped folders left out, no dynload). */
async function copyTree(root: string, source: string, target: string, dynload: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED.test(entry.name) || from === dynload) continue;
      await copyTree(root, from, `${target}/${entry.name}`, dynload);
    } else if (entry.isFile() && !/\.opt-[12]\.pyc$/.test(entry.name)) {
      await copyInto(root, from, `${target}/${entry.name}`, 0o644);
    }
  }
}
