import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { BadRequestError } from '../../box/errors.ts';
import type { EspiLocalTime, EspiMetadata, EspiReading, EspiReadingType } from './espi-types.ts';

/** What `parseEspiFeed` accepts: a stream (file, HTTP body), chunks, or the whole document. */
export type EspiInput = Readable | AsyncIterable<string | Uint8Array> | string | Uint8Array;

interface RawReading {
  start: number;
  durationS: number;
  value: string;
  cost?: number;
}

interface Entry {
  self?: string;
  up?: string;
  related: string[];
  isMeterReading: boolean;
  pending: RawReading[];
}

const READING_TYPE_FIELDS = [
  'uom',
  'powerOfTenMultiplier',
  'intervalLength',
  'currency',
  'flowDirection',
  'commodity',
  'kind',
  'accumulationBehaviour',
] as const;

function integer(text: string, where: string): number {
  if (!/^[-+]?\d+$/.test(text))
    throw new BadRequestError(`ESPI ${where} is not an integer: ${JSON.stringify(text)}`);
  return Number(text);
}

/** The MeterReading an IntervalBlock entry belongs to: `…/MeterReading/01/IntervalBlock[/n]` → `…/MeterReading/01`. */
function meterReadingOf(entry: Entry): string | undefined {
  for (const href of [entry.up, entry.self]) {
    const i = href?.lastIndexOf('/IntervalBlock') ?? -1;
    if (href && i > 0) return href.slice(0, i);
  }
  return undefined;
}

/**
 * Streams the interval readings out of a Green Button (NAESB ESPI) Atom feed, such as a utility's
 * "Download My Data" file, without holding the document in memory: it reads the input chunk by
 * chunk with `saxes` and yields readings as their IntervalBlocks close. Elements are matched by
 * local name, so `espi:IntervalReading` and a default-namespace `IntervalReading` both work.
 *
 * Each reading is scaled by the ReadingType of its MeterReading, found through the Atom links
 * (IntervalBlock `up` → MeterReading `related` → ReadingType `self`), or the feed's only ReadingType
 * when the links do not resolve. Readings whose ReadingType appears later in the file are held
 * until it does (or until the end). `metadata` fills in as the feed is read and is complete when
 * iteration ends.
 *
 * @throws BadRequestError for XML that is not well formed, naming line and column.
 * @example
 * ```ts
 * const feed = parseEspiFeed(createReadStream('green-button.xml'));
 * for await (const r of feed) console.log(new Date(r.start), r.durationS, r.valueWh, r.cost);
 * feed.metadata.localTime?.tzOffsetS; // -18000
 * ```
 */
export function parseEspiFeed(input: EspiInput): EspiFeedReader {
  return new EspiFeedReader(input);
}

/** Iterable over the readings of one ESPI feed; see {@link parseEspiFeed}. Iterate it once. */
export class EspiFeedReader implements AsyncIterable<EspiReading> {
  readonly metadata: EspiMetadata = { readingTypes: [], localTime: null, readingCount: 0, warnings: [] };
  private readonly input: EspiInput;
  private readonly readingTypeByHref = new Map<string, EspiReadingType>();
  private readonly readingTypeOfMeterReading = new Map<string, string>();
  /** Entries whose readings wait for their ReadingType; the first holds readings outside any entry. */
  private readonly deferred: Entry[] = [{ related: [], isMeterReading: false, pending: [] }];
  private readonly out: EspiReading[] = [];

  constructor(input: EspiInput) {
    this.input = input;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EspiReading> {
    const parser = this.createParser();
    const decoder = new TextDecoder('utf-8');
    const chunks: AsyncIterable<string | Uint8Array> | Array<string | Uint8Array> =
      typeof this.input === 'string' || this.input instanceof Uint8Array ? [this.input] : this.input;
    const write = (text: string) => {
      try {
        parser.write(text);
      } catch (error) {
        if (error instanceof BadRequestError) throw error;
        throw new BadRequestError(`ESPI feed is not well-formed XML: ${(error as Error).message}`, {
          code: 'espi_bad_xml',
          cause: error,
        });
      }
    };
    for await (const chunk of chunks) {
      write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      yield* this.drain();
    }
    write(decoder.decode());
    try {
      parser.close();
    } catch (error) {
      throw new BadRequestError(`ESPI feed ends early: ${(error as Error).message}`, {
        code: 'espi_bad_xml',
      });
    }
    for (const entry of this.deferred)
      for (const raw of entry.pending) this.emit(raw, this.resolve(entry, true) ?? null);
    yield* this.drain();
  }

  private *drain(): Generator<EspiReading> {
    const ready = this.out.splice(0);
    this.metadata.readingCount += ready.length;
    yield* ready;
  }

  private resolve(entry: Entry | undefined, final: boolean): EspiReadingType | null | undefined {
    const mr = entry && meterReadingOf(entry);
    const href = mr === undefined ? undefined : this.readingTypeOfMeterReading.get(mr);
    const linked = href === undefined ? undefined : this.readingTypeByHref.get(href);
    if (linked) return linked;
    const types = this.metadata.readingTypes;
    if (types.length === 1 && (final || mr === undefined)) return types[0];
    if (!final) return undefined;
    if (types.length === 0)
      this.warnOnce('no ReadingType in the feed: values are not scaled and have no unit');
    else
      this.warnOnce(
        `IntervalBlock ${entry?.self ?? '(no link)'} has no ReadingType it links to: values left unscaled`,
      );
    return null;
  }

  private warnOnce(message: string): void {
    if (!this.metadata.warnings.includes(message)) this.metadata.warnings.push(message);
  }

  private emit(raw: RawReading, readingType: EspiReadingType | null): void {
    const pow = readingType?.powerOfTenMultiplier ?? 0;
    const value = pow === 0 ? Number(raw.value) : Number(`${raw.value}e${pow}`);
    const uom = readingType?.uom ?? null;
    this.out.push({
      start: raw.start * 1000,
      durationS: raw.durationS,
      value,
      uom,
      ...(uom === 72 && { valueWh: value }),
      ...(raw.cost !== undefined && { cost: raw.cost }),
      readingType,
    });
  }

  private createParser(): SaxesParser<{ xmlns: true }> {
    const parser = new SaxesParser({ xmlns: true });
    const stack: string[] = [];
    let text = '';
    let entry: Entry | undefined;
    let readingType: Partial<Record<(typeof READING_TYPE_FIELDS)[number], number>> | undefined;
    let localTime: Partial<EspiLocalTime> | undefined;
    let reading: Partial<RawReading> | undefined;
    const parent = (n = 1) => stack[stack.length - 1 - n];

    parser.on('opentag', (node) => {
      stack.push(node.local);
      text = '';
      switch (node.local) {
        case 'entry':
          entry = { related: [], isMeterReading: false, pending: [] };
          break;
        case 'link': {
          if (!entry || parent() !== 'entry') break;
          const rel = node.attributes.rel?.value ?? 'alternate';
          const href = node.attributes.href?.value;
          if (href === undefined) break;
          if (rel === 'self') entry.self = href;
          else if (rel === 'up') entry.up = href;
          else if (rel === 'related') entry.related.push(href);
          break;
        }
        case 'ReadingType':
          readingType = {};
          break;
        case 'LocalTimeParameters':
          localTime = {};
          break;
        case 'MeterReading':
          if (entry) entry.isMeterReading = true;
          break;
        case 'IntervalReading':
          reading = {};
          break;
      }
    });
    parser.on('text', (t) => {
      text += t;
    });
    parser.on('closetag', (node) => {
      const name = node.local;
      const value = text.trim();
      stack.pop();
      text = '';
      if (readingType && parent(0) === 'ReadingType') {
        const field = READING_TYPE_FIELDS.find((f) => f === name);
        if (field) readingType[field] = integer(value, `ReadingType.${field}`);
      } else if (localTime && parent(0) === 'LocalTimeParameters') {
        if (name === 'tzOffset') localTime.tzOffsetS = integer(value, 'tzOffset');
        else if (name === 'dstOffset') localTime.dstOffsetS = integer(value, 'dstOffset');
        else if (name === 'dstStartRule') localTime.dstStartRule = value;
        else if (name === 'dstEndRule') localTime.dstEndRule = value;
      } else if (reading && parent(0) === 'IntervalReading') {
        if (name === 'value') {
          if (!/^[-+]?\d+(?:\.\d+)?$/.test(value)) {
            throw new BadRequestError(
              `ESPI IntervalReading value at line ${parser.line} is not a number: ${JSON.stringify(value)}`,
            );
          }
          reading.value = value;
        } else if (name === 'cost') reading.cost = integer(value, 'IntervalReading.cost');
      } else if (reading && parent(0) === 'timePeriod' && parent(1) === 'IntervalReading') {
        if (name === 'start') reading.start = integer(value, 'timePeriod.start');
        else if (name === 'duration') reading.durationS = integer(value, 'timePeriod.duration');
      }
      switch (name) {
        case 'ReadingType': {
          const rt: EspiReadingType = {
            href: entry?.self ?? null,
            uom: readingType?.uom ?? null,
            powerOfTenMultiplier: readingType?.powerOfTenMultiplier ?? 0,
            intervalLength: readingType?.intervalLength ?? null,
            currency: readingType?.currency ?? null,
            flowDirection: readingType?.flowDirection ?? null,
            commodity: readingType?.commodity ?? null,
            kind: readingType?.kind ?? null,
            accumulationBehaviour: readingType?.accumulationBehaviour ?? null,
          };
          this.metadata.readingTypes.push(rt);
          if (rt.href !== null) this.readingTypeByHref.set(rt.href, rt);
          readingType = undefined;
          break;
        }
        case 'LocalTimeParameters':
          this.metadata.localTime = {
            tzOffsetS: localTime?.tzOffsetS ?? 0,
            dstOffsetS: localTime?.dstOffsetS ?? null,
            dstStartRule: localTime?.dstStartRule ?? null,
            dstEndRule: localTime?.dstEndRule ?? null,
          };
          localTime = undefined;
          break;
        case 'IntervalReading': {
          const r = reading;
          reading = undefined;
          if (r?.start === undefined || r.durationS === undefined || r.value === undefined) {
            throw new BadRequestError(
              `ESPI IntervalReading at line ${parser.line} lacks timePeriod start, duration or value`,
            );
          }
          const raw: RawReading = { start: r.start, durationS: r.durationS, value: r.value, cost: r.cost };
          if (raw.cost === undefined) delete raw.cost;
          const rt = this.resolve(entry, false);
          if (rt === undefined) (entry ?? this.deferred[0]).pending.push(raw);
          else this.emit(raw, rt);
          break;
        }
        case 'entry':
          if (entry?.isMeterReading && entry.self) {
            const rtHref = entry.related.find((href) => href.includes('/ReadingType/'));
            if (rtHref) this.readingTypeOfMeterReading.set(entry.self, rtHref);
          }
          if (entry && entry.pending.length > 0) {
            const rt = this.resolve(entry, false);
            if (rt === undefined) this.deferred.push(entry);
            else for (const raw of entry.pending) this.emit(raw, rt);
          }
          entry = undefined;
          break;
      }
    });
    return parser;
  }
}
