import { defineApp } from '../../../apps-sdk/src/app.ts';

// Bundled for Node (`buildContainerApp`) into dist/app.js, which the image's node runs as
// `/app/dist/app.js`. defineApp sees DATABOX_API_SOCKET, runs at once and sets the exit code.
export default defineApp(async (ctx) => {
  const grants = await ctx.data.grants();
  const granted = grants.map((g) => `${g.request}@${g.resolution}`);
  let meanW: number | undefined;
  if (grants.some((g) => g.request === 'power')) {
    const { points } = await ctx.data.read('power');
    if (points.length > 0) meanW = Math.round(points.reduce((s, p) => s + p.v, 0) / points.length);
  }
  await ctx.log.info(
    `node ${process.version}, pid ${process.pid}, granted ${granted.join(', ') || 'nothing'}`,
  );
  await ctx.insight.emit({
    key: 'hello',
    title: 'Hello from a container',
    summary:
      meanW === undefined
        ? `Running on node ${process.version}; no power data granted`
        : `Running on node ${process.version}; mean power over the last day ${meanW} W`,
    ...(meanW === undefined ? {} : { value: meanW, unit: 'W' }),
    data: { node: process.version, grants: granted },
  });
});
