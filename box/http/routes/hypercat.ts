import { Hono } from 'hono';
import type { Store } from '../../store/store.ts';
import type { Datasource } from '../../store/types.ts';

const STORE_TYPE: Record<Datasource['valueType'], string> = {
  gauge: 'ts',
  counter: 'ts',
  event: 'ts/blob',
  kv: 'kv',
};

/**
 * The catalogue as HyperCat 3.0 (PAS 212) JSON, with the `urn:X-databox:rels:*` relations the
 * original Databox used, so its tools can read our catalogue.
 */
export function hypercatCatalogue(datasources: Datasource[]): unknown {
  return {
    'catalogue-metadata': [
      { rel: 'urn:X-hypercat:rels:isContentType', val: 'application/vnd.hypercat.catalogue+json' },
      { rel: 'urn:X-hypercat:rels:hasDescription:en', val: 'Databox datasources' },
    ],
    items: datasources.map((d) => ({
      href: `/api/v1/datasources/${d.id}`,
      'item-metadata': [
        { rel: 'urn:X-hypercat:rels:hasDescription:en', val: d.description || d.id },
        { rel: 'urn:X-hypercat:rels:isContentType', val: 'application/json' },
        { rel: 'urn:X-databox:rels:hasDatasourceid', val: d.id },
        { rel: 'urn:X-databox:rels:hasType', val: d.kind },
        { rel: 'urn:X-databox:rels:hasStoreType', val: STORE_TYPE[d.valueType] },
        { rel: 'urn:X-databox:rels:hasValueType', val: d.valueType },
        { rel: 'urn:X-databox:rels:hasUnit', val: d.unit },
        ...(d.vendor ? [{ rel: 'urn:X-databox:rels:hasVendor', val: d.vendor }] : []),
        ...(d.location ? [{ rel: 'urn:X-databox:rels:hasLocation', val: d.location }] : []),
        ...(d.driver ? [{ rel: 'urn:X-databox:rels:hasDriver', val: d.driver }] : []),
      ],
    })),
  };
}

export function hypercatRoutes(store: Store): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    c.header('content-type', 'application/vnd.hypercat.catalogue+json');
    return c.body(JSON.stringify(hypercatCatalogue(store.listDatasources())));
  });
  return app;
}
