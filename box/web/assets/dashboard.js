// Databox dashboard: progressive enhancement only; every page works without this file.
(() => {
  // Charts: <div data-chart="ID"> drawn from <script type="application/json" id="ID">
  // ({ series: [{ label, unit, step?, bars?, width? }], x: [seconds], ys: [[values]] }).
  const COLORS = ['#8a94a3', '#0b5cad', '#b3261e', '#1e7d36'];
  function drawChart(el) {
    const source = document.getElementById(el.dataset.chart);
    if (!source || typeof uPlot === 'undefined') return;
    const spec = JSON.parse(source.textContent);
    if (!spec.x.length) {
      el.textContent = 'No data in this range.';
      el.style.minHeight = '0';
      return;
    }
    const series = [{}].concat(
      spec.series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[(i + (spec.series.length > 1 ? 0 : 1)) % COLORS.length],
        width: s.width || 1.25,
        spanGaps: true,
        fill: s.bars ? 'rgba(11,92,173,0.25)' : undefined,
        paths: s.step
          ? uPlot.paths.stepped({ align: 1 })
          : s.bars
            ? uPlot.paths.bars({ size: [0.8] })
            : undefined,
        value: (_u, v) =>
          v == null
            ? '—'
            : `${new Intl.NumberFormat(spec.locale || 'en-GB', { maximumFractionDigits: 3 }).format(v)} ${s.unit || ''}`,
      })),
    );
    const height = el.classList.contains('small') ? 160 : 260;
    // times in the box's zone and locale (the page says which); older specs without them are UTC
    const zone = spec.timeZone || 'Etc/UTC';
    const locale = spec.locale || 'en-GB';
    const unit = spec.series[0]?.unit;
    const bars = spec.series.some((s) => s.bars);
    const dayFmt = new Intl.DateTimeFormat(locale, { timeZone: zone, day: 'numeric', month: 'short' });
    const monthFmt = new Intl.DateTimeFormat(locale, { timeZone: zone, month: 'short', year: 'numeric' });
    const timeFmt = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit' });
    const xValues = (_u, splits) => {
      const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
      const f = span > 200 * 86400 ? monthFmt : span > 2 * 86400 ? dayFmt : timeFmt;
      return splits.map((t) => f.format(t * 1000));
    };
    const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
    // energy bars start at 0; a single value or a flat line gets a range around it
    const yRange = (_u, min, max) => {
      if (min == null) return [0, 1];
      if (bars) return [Math.min(0, min), max > 0 ? max * 1.1 : 1];
      if (min === max)
        return [min - Math.max(1, Math.abs(min) * 0.1), max + Math.max(1, Math.abs(max) * 0.1)];
      return [min, max];
    };
    const make = () =>
      new uPlot(
        {
          width: Math.max(240, el.clientWidth),
          height,
          series,
          axes: [
            { values: xValues },
            { size: 70, label: unit || undefined, values: (_u, splits) => splits.map((v) => num.format(v)) },
          ],
          scales: { x: { time: true }, y: { range: yRange } },
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
        },
        [spec.x].concat(spec.ys),
        el,
      );
    const plot = make();
    let timer;
    window.addEventListener('resize', () => {
      clearTimeout(timer);
      timer = setTimeout(() => plot.setSize({ width: Math.max(240, el.clientWidth), height }), 150);
    });
    el.dataset.drawn = 'true';
  }

  // A select with data-autosubmit re-submits its form (consent preview, resolution picker).
  function autosubmit(select) {
    select.addEventListener('change', () => {
      const form = select.form;
      const preview = form.querySelector('button[value="preview"]');
      if (preview) form.requestSubmit(preview);
      else form.requestSubmit();
    });
  }

  // Forms with data-confirm ask first (erase, uninstall, revoke, remove).
  function confirmFirst(form) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // File import with an upload progress bar (XHR reports upload progress; fetch does not).
  function uploadWithProgress(form) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const bar = form.querySelector('progress');
      const status = form.querySelector('.upload-status');
      const button = form.querySelector('button[type="submit"]');
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener('progress', (e) => {
        if (!e.lengthComputable) return;
        const pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        status.textContent = pct < 100 ? `Uploading… ${pct}%` : 'Uploaded; importing…';
      });
      xhr.addEventListener('load', () => {
        if (xhr.status < 400) window.location.assign(xhr.responseURL);
        else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener('error', () => {
        status.textContent = 'The upload failed; check the connection and try again.';
        button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }

  // Live values (the energy screen's power): server-sent events, no reload
  function live(el) {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource(el.dataset.live);
    source.addEventListener('power', (event) => {
      const { w } = JSON.parse(event.data);
      el.textContent = `${new Intl.NumberFormat(document.documentElement.lang || undefined).format(w)} W`;
      el.dataset.updated = String(Date.now());
    });
    window.addEventListener('pagehide', () => source.close());
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const el of document.querySelectorAll('[data-live]')) live(el);
    for (const el of document.querySelectorAll('[data-chart]')) drawChart(el);
    for (const el of document.querySelectorAll('select[data-autosubmit]')) autosubmit(el);
    for (const el of document.querySelectorAll('form[data-confirm]')) confirmFirst(el);
    for (const el of document.querySelectorAll('form[data-upload]')) uploadWithProgress(el);
  });
})();
