import { createDockerClient, pingDocker } from '../../containers/docker-client.ts';
import {
  buildNodeBaseImage,
  defaultNodeBaseImageTag,
  ensureNodeBaseImage,
} from '../../containers/node-image.ts';
import { buildPythonBaseImage, ensurePythonBaseImage } from '../../containers/python-image.ts';
import { BadRequestError } from '../../errors.ts';
import { type Command, stringOption } from '../command.ts';

/**
 * `databox image build [node|python]`: makes a base image that container apps run in, from this
 * host's node binary or its python3 (there is no registry to pull one from). Progress goes to
 * stderr, the tag to stdout.
 *
 * @example
 * // $ databox image build python
 * // image: building databox/python-base:3.11.7-tz from /usr/bin/python3.11 (python 3.11.7)
 * // …
 * // databox/python-base:3.11.7-tz
 */
export const imageCommand: Command = {
  name: 'image',
  summary: 'Build the local node or python base image that container apps run in (no registry needed).',
  usage: 'image build [node|python] [--tag REPO:TAG] [--python PATH] [--if-missing] [--docker-host URL]',
  options: {
    tag: {
      type: 'string',
      description: `image to create (default ${defaultNodeBaseImageTag()}, or databox/python-base:<python version>-tz)`,
      placeholder: 'REPO:TAG',
    },
    python: {
      type: 'string',
      description: 'the python to copy into databox/python-base (default python3 on PATH)',
      placeholder: 'PATH',
    },
    'if-missing': { type: 'boolean', description: 'do nothing when the engine already has the image' },
    'docker-host': {
      type: 'string',
      description:
        'Docker engine (unix:///path or tcp://host:port; default $DOCKER_HOST or /var/run/docker.sock)',
      placeholder: 'URL',
    },
  },
  details: [
    'node (the default): only node, the libraries it links to, /etc/passwd with nobody (65534), /tmp and /app.',
    'python: python3, its standard library (no tests, tkinter, pip or site-packages), its C modules and their libraries.',
    'Apps with "runtime": { "type": "container", "image": "databox/node-base" } (or "databox/python-base")',
    'run in it, their folder at /app; the box also builds a missing one at the first run.',
  ],
  async run({ values, positionals }) {
    const [sub, language = 'node', ...extra] = positionals;
    if (sub !== 'build' || extra.length > 0 || (language !== 'node' && language !== 'python')) {
      throw new BadRequestError(
        `expected "databox image build [node|python]", got "databox image ${positionals.join(' ')}"\nRun "databox image --help" for usage.`,
      );
    }
    const dockerHost = stringOption(values, 'docker-host');
    const docker = createDockerClient(dockerHost === undefined ? {} : { env: { DOCKER_HOST: dockerHost } });
    await pingDocker(docker);
    const onProgress = (line: string) => process.stderr.write(`image: ${line}\n`);
    const tag = stringOption(values, 'tag');
    let built: string;
    if (language === 'python') {
      const python = stringOption(values, 'python');
      const options = { onProgress, ...(tag ? { tag } : {}), ...(python ? { python } : {}) };
      built = values['if-missing']
        ? await ensurePythonBaseImage(docker, options)
        : await buildPythonBaseImage(docker, options);
    } else {
      const options = { tag: tag ?? defaultNodeBaseImageTag(), onProgress };
      built = values['if-missing']
        ? await ensureNodeBaseImage(docker, options)
        : await buildNodeBaseImage(docker, options);
    }
    console.log(built);
    return 0;
  },
};
