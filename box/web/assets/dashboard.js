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
        value: (_u, v) => (v == null ? '—' : `${+v.toFixed(3)} ${s.unit || ''}`),
      })),
    );
    const height = el.classList.contains('small') ? 160 : 260;
    const make = () =>
      new uPlot(
        {
          width: Math.max(240, el.clientWidth),
          height,
          series,
          axes: [{}, { size: 60 }],
          scales: { x: { time: true } },
          // the pages give times in UTC; so do the chart axes
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
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

  document.addEventListener('DOMContentLoaded', () => {
    for (const el of document.querySelectorAll('[data-chart]')) drawChart(el);
    for (const el of document.querySelectorAll('select[data-autosubmit]')) autosubmit(el);
    for (const el of document.querySelectorAll('form[data-confirm]')) confirmFirst(el);
    for (const el of document.querySelectorAll('form[data-upload]')) uploadWithProgress(el);
  });
})();
