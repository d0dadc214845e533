// Databox dashboard: progressive enhancement only; every page works without this file.
(() => {
  // Charts: <div data-chart="ID"> drawn from <script type="application/json" id="ID">
  // ({ series: [{ label, unit, step?, bars?, width? }], x: [seconds], ys: [[values]],
  //    range?: [from, to] seconds, bucket?: seconds, timeZone?, locale? }). The page has the same values as a table.
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
            ? uPlot.paths.bars({ size: [0.8], align: 1 })
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
    const base = { timeZone: zone };
    // the locale's own clock and day order (24-hour and day-first for nl-NL and en-GB)
    const dayFmt = new Intl.DateTimeFormat(locale, { ...base, day: 'numeric', month: 'short' });
    const monthFmt = new Intl.DateTimeFormat(locale, { ...base, month: 'short', year: 'numeric' });
    const timeFmt = new Intl.DateTimeFormat(locale, { ...base, hour: '2-digit', minute: '2-digit' });
    const fullFmt = new Intl.DateTimeFormat(locale, { ...base, dateStyle: 'medium', timeStyle: 'short' });
    const zoneAt = (t) =>
      new Intl.DateTimeFormat(locale, { ...base, timeZoneName: 'short' })
        .formatToParts(t * 1000)
        .find((p) => p.type === 'timeZoneName')?.value || zone;
    // a chart across a clock change says both: "CEST → CET"
    const [first, last] = [zoneAt(spec.x[0]), zoneAt(spec.x[spec.x.length - 1])];
    const zoneName = first === last ? first : `${first} → ${last}`;
    const midnight = (t) => timeFmt.format(t * 1000).replace(/\D/g, '') === '0000';
    // the axes are drawn on a canvas: what they say is also kept on the element (for tests and
    // anyone inspecting the page; the table behind the chart is what screen readers get)
    const keep = (name, labels) => {
      el.dataset[name] = JSON.stringify(labels);
      return labels;
    };
    const xValues = (_u, splits) => {
      const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
      if (span > 200 * 86400)
        return keep(
          'xTicks',
          splits.map((t) => monthFmt.format(t * 1000)),
        );
      if (span > 2 * 86400)
        return keep(
          'xTicks',
          splits.map((t) => dayFmt.format(t * 1000)),
        );
      // hours; a tick at local midnight names the day instead
      return keep(
        'xTicks',
        splits.map((t) => (midnight(t) ? dayFmt.format(t * 1000) : timeFmt.format(t * 1000))),
      );
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
    // one point (or one bar) sits in the middle of an hour either side, not on a zero-width axis
    // a bar covers its bucket, from its time to the next (align 1), so the axis ends a bucket later
    // (from the data: uPlot widens a one-point time scale to years before asking)
    const gap = spec.bucket || (spec.x.length > 1 ? spec.x[1] - spec.x[0] : 3600);
    const [x0, x1] = [spec.x[0], spec.x[spec.x.length - 1]];
    const xRange = () => {
      if (spec.range) return spec.range;
      if (bars) return [x0, x1 + gap];
      return x0 === x1 ? [x0 - gap, x1 + gap] : [x0, x1];
    };
    series[0] = {
      label: `Time (${zoneName})`,
      value: (_u, t) => (t == null ? '—' : fullFmt.format(t * 1000)),
    };
    const make = () =>
      new uPlot(
        {
          width: Math.max(240, el.clientWidth),
          height,
          series,
          axes: [
            { values: xValues, label: zoneName, labelSize: 20 },
            {
              size: 70,
              label: unit || undefined,
              values: (_u, splits) =>
                keep(
                  'yTicks',
                  splits.map((v) => num.format(v)),
                ),
            },
          ],
          scales: { x: { time: true, range: xRange }, y: { range: yRange } },
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
    el.dataset.xLabel = zoneName;
    el.dataset.yLabel = unit || '';
    el.dataset.drawn = 'true';
  }

  // A select with data-autosubmit re-submits its form (the consent preview) when chosen with the
  // mouse or a phone's picker. Arrow keys on a closed select change it at every press, so a
  // keyboard choice waits for Enter (or the form's own button) instead of reloading the page
  // under the user's fingers; a status line says so.
  function autosubmit(select) {
    const form = select.form;
    const send = () => {
      const preview = form.querySelector('button[value="preview"]');
      if (preview) form.requestSubmit(preview);
      else form.requestSubmit();
    };
    let keyboard = false;
    let pending = false;
    const hint = document.createElement('span');
    hint.className = 'muted keyboard-hint';
    hint.setAttribute('role', 'status');
    select.insertAdjacentElement('afterend', hint);
    select.addEventListener('pointerdown', () => {
      keyboard = false;
    });
    select.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && pending) {
        event.preventDefault();
        send();
      } else if (event.key !== 'Tab' && event.key !== 'Shift') keyboard = true;
    });
    select.addEventListener('change', () => {
      if (!keyboard) return send();
      pending = true;
      hint.textContent = 'Press Enter to update the preview.';
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

  // A wide table scrolls inside its .scroll box. While it does, the box is a named region that
  // takes the keyboard focus, so arrow keys scroll it (axe: scrollable-region-focusable).
  function scrollRegion(box) {
    const heading = box.closest('section, details, article, .card')?.querySelector('h2, h3, summary');
    const name = heading ? heading.textContent.trim() : 'Table';
    const update = () => {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', `${name} (scrolls sideways)`);
      } else {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    };
    update();
    if (typeof ResizeObserver !== 'undefined') new ResizeObserver(update).observe(box);
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const el of document.querySelectorAll('.scroll')) scrollRegion(el);
    for (const el of document.querySelectorAll('[data-live]')) live(el);
    for (const el of document.querySelectorAll('[data-chart]')) drawChart(el);
    for (const el of document.querySelectorAll('select[data-autosubmit]')) autosubmit(el);
    for (const el of document.querySelectorAll('form[data-confirm]')) confirmFirst(el);
    for (const el of document.querySelectorAll('form[data-upload]')) uploadWithProgress(el);
  });
})();
