import { createDockerClient, pingDocker } from '../../containers/docker-client.ts';
import {
  buildNodeBaseImage,
  defaultNodeBaseImageTag,
  ensureNodeBaseImage,
} from '../../containers/node-image.ts';
import { BadRequestError } from '../../errors.ts';
import { type Command, stringOption } from '../command.ts';

/**
 * `databox image build`: makes the node base image that container apps run in, from this host's
 * node binary (there is no registry to pull one from). Progress goes to stderr, the tag to stdout.
 *
 * @example
 * // $ databox image build
 * // image: building databox/node-base:v20.20.2 from /usr/local/bin/node
 * // …
 * // databox/node-base:v20.20.2
 */
export const imageCommand: Command = {
  name: 'image',
  summary: 'Build the local node base image that container apps run in (no registry needed).',
  usage: 'image build [--tag REPO:TAG] [--if-missing] [--docker-host URL]',
  options: {
    tag: {
      type: 'string',
      description: `image to create (default ${defaultNodeBaseImageTag()})`,
      placeholder: 'REPO:TAG',
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
    'The image holds only node, the libraries it links to, /etc/passwd with nobody (65534), /tmp and /app.',
    'Apps with "runtime": { "type": "container", "image": "databox/node-base" } run in it, their folder at /app.',
  ],
  async run({ values, positionals }) {
    const [sub, ...extra] = positionals;
    if (sub !== 'build' || extra.length > 0) {
      throw new BadRequestError(
        `expected "databox image build", got "databox image ${positionals.join(' ')}"\nRun "databox image --help" for usage.`,
      );
    }
    const dockerHost = stringOption(values, 'docker-host');
    const docker = createDockerClient(dockerHost === undefined ? {} : { env: { DOCKER_HOST: dockerHost } });
    await pingDocker(docker);
    const tag = stringOption(values, 'tag') ?? defaultNodeBaseImageTag();
    const options = { tag, onProgress: (line: string) => process.stderr.write(`image: ${line}\n`) };
    const built = values['if-missing']
      ? await ensureNodeBaseImage(docker, options)
      : await buildNodeBaseImage(docker, options);
    console.log(built);
    return 0;
  },
};
