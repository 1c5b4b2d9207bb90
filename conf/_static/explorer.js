/* The five-stage flow in the browser (docs/explorer.md).
 *
 * Each map has its forward map, its inverse and the log-determinant of its inverse,
 * computed the way flowdocs and TensorFlow Probability compute them, in float64 (JS
 * numbers). tests/browser/test_explorer.py compares forward() and logProb() with the
 * library at random points, parameters and orders. The data (base points, seed-0
 * parameters, colours) comes from the library at build time: explorer-data.js.
 */
(() => {
  "use strict";
  const DATA = window.flowdocsExplorerData;
  const NAMES = DATA.stages.map((stage) => stage.name);
  const [LOC_A, LOC_B] = DATA.base.loc;
  const [SCALE_A, SCALE_B] = DATA.base.scale;
  // log of the base's normalising constant, per coordinate (as tfd.Normal writes it).
  const LOG_NORM_A = 0.5 * Math.log(2 * Math.PI) + Math.log(SCALE_A);
  const LOG_NORM_B = 0.5 * Math.log(2 * Math.PI) + Math.log(SCALE_B);
  // TFP's float64 sigmoid switches to exp(x) below -20, where it is more accurate.
  const sigmoid = (x) => (x < -20 ? Math.exp(x) : 1 / (1 + Math.exp(-x)));

  /* The five maps for one setting of the parameters. Each acts in place on the
   * coordinates (a, b) of n points; inverse() also adds log|det J| of the inverse to ld. */
  function makeMaps(p) {
    const [c0, c1] = p.shift;
    const [d0, d1] = p.scale;
    const e = p.strength;
    const cos = Math.cos(p.angle);
    const sin = Math.sin(p.angle);
    const logScale = Math.log(Math.abs(d0)) + Math.log(Math.abs(d1));
    const rotate = (a, b, s) => {
      for (let i = 0; i < a.length; i++) {
        const x = a[i];
        a[i] = cos * x - s * b[i];
        b[i] = s * x + cos * b[i];
      }
    };
    return {
      shift: {
        forward(a, b) {
          for (let i = 0; i < a.length; i++) { a[i] += c0; b[i] += c1; }
        },
        inverse(a, b) { // log|det| = 0
          for (let i = 0; i < a.length; i++) { a[i] -= c0; b[i] -= c1; }
        },
      },
      scale: {
        forward(a, b) {
          for (let i = 0; i < a.length; i++) { a[i] *= d0; b[i] *= d1; }
        },
        inverse(a, b, ld) { // log|det| of the inverse: -log|d0 d1|
          for (let i = 0; i < a.length; i++) { a[i] /= d0; b[i] /= d1; ld[i] -= logScale; }
        },
      },
      shift_and_cube: {
        forward(a, b) {
          for (let i = 0; i < a.length; i++) b[i] += e * a[i] ** 3;
        },
        inverse(a, b) { // unit triangular Jacobian: log|det| = 0
          for (let i = 0; i < a.length; i++) b[i] -= e * a[i] ** 3;
        },
      },
      rotation: {
        forward(a, b) { rotate(a, b, sin); },
        inverse(a, b) { rotate(a, b, -sin); }, // R^T; det = 1
      },
      sigmoid: {
        forward(a, b) {
          for (let i = 0; i < a.length; i++) { a[i] = sigmoid(a[i]); b[i] = sigmoid(b[i]); }
        },
        inverse(a, b, ld) {
          // The logit as TFP computes it, log q - log1p(-q), and the log-det of the inverse,
          // -log q(1 - q) = -(log q + log1p(-q)), from the same two logarithms. (TFP writes
          // it as softplus(x) + softplus(-x) of the logit x: equal to rounding.)
          for (let i = 0; i < a.length; i++) {
            const la = Math.log(a[i]);
            const ma = Math.log1p(-a[i]);
            const lb = Math.log(b[i]);
            const mb = Math.log1p(-b[i]);
            a[i] = la - ma;
            b[i] = lb - mb;
            ld[i] -= la + ma + (lb + mb);
          }
        },
      },
    };
  }

  /* Push (a, b) through the first k maps of order, in place. */
  function push(maps, order, k, a, b) {
    for (let j = 0; j < k; j++) maps[order[j]].forward(a, b);
  }

  /* log p after the first k maps of order at (a, b), eq. (6) by the inverse maps; a and b
   * are overwritten. -Infinity where some inverse is not finite (off the support) or a
   * coordinate is infinite; NaN where a coordinate is NaN. */
  function score(maps, order, k, a, b, out) {
    const n = a.length;
    const flag = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(a[i]) || Number.isNaN(b[i])) flag[i] = 2;
      else if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) flag[i] = 1;
    }
    const ld = out || new Float64Array(n);
    ld.fill(0);
    for (let j = k - 1; j >= 0; j--) maps[order[j]].inverse(a, b, ld);
    for (let i = 0; i < n; i++) {
      if (flag[i] === 2) ld[i] = NaN;
      else if (flag[i] || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) ld[i] = -Infinity;
      else {
        const u = a[i] / SCALE_A - LOC_A / SCALE_A;
        const v = b[i] / SCALE_B - LOC_B / SCALE_B;
        ld[i] += -0.5 * u * u - LOG_NORM_A + (-0.5 * v * v - LOG_NORM_B);
      }
    }
    return ld;
  }

  function checkedOrder(params) {
    const order = params.order || NAMES;
    if (order.length !== NAMES.length || NAMES.some((name) => !order.includes(name))) {
      throw new Error(`order must name each of ${NAMES.join(", ")} once; got ${order}`);
    }
    return order;
  }

  function columns(points) {
    return [Float64Array.from(points, (p) => p[0]), Float64Array.from(points, (p) => p[1])];
  }

  /* The public API: the whole flow, in the given order, on a list of [a, b] points. */
  function forward(params, points) {
    const order = checkedOrder(params);
    const [a, b] = columns(points);
    push(makeMaps(params), order, order.length, a, b);
    return Array.from(a, (x, i) => [x, b[i]]);
  }

  function logProb(params, points) {
    const order = checkedOrder(params);
    const [a, b] = columns(points);
    return Array.from(score(makeMaps(params), order, order.length, a, b));
  }

  window.flowdocsExplorer = { forward, logProb };

  const root = document.querySelector("[data-flowdocs-explorer]");
  if (root) start(root);

  /* ---------------------------------------------------------------- the page */

  function start(root) {
    const R = DATA.resolution;
    const canvas = root.querySelector("canvas");
    const ctx = canvas.getContext("2d");
    const $ = (name) => root.querySelector(`[data-fx="${name}"]`);
    const sliders = Array.from(root.querySelectorAll("input[type=range]"));
    const defaults = DATA.defaults;
    const S = { ...defaults, order: NAMES.slice(), stage: NAMES.length };
    for (const box of root.querySelectorAll("input[type=checkbox]")) S[box.name] = box.checked;

    // The base points (float32 bytes) and their quadrants around the base's mean.
    const bytes = Uint8Array.from(atob(DATA.points), (c) => c.charCodeAt(0));
    const view32 = new DataView(bytes.buffer);
    const N = DATA.count;
    const baseA = new Float64Array(N);
    const baseB = new Float64Array(N);
    const quadrant = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      baseA[i] = view32.getFloat32(8 * i, true);
      baseB[i] = view32.getFloat32(8 * i + 4, true);
      const right = baseA[i] >= LOC_A;
      const up = baseB[i] >= LOC_B;
      quadrant[i] = right ? (up ? 0 : 3) : up ? 1 : 2;
    }

    // Grid lines of the base plane, one base standard deviation apart, out to 4 of them.
    const LINES = 9;
    const ALONG = 161;
    const gridA = new Float64Array(2 * LINES * ALONG);
    const gridB = new Float64Array(2 * LINES * ALONG);
    for (let l = 0; l < LINES; l++) {
      for (let t = 0; t < ALONG; t++) {
        const across = l - (LINES - 1) / 2;
        const along = -4 + (8 * t) / (ALONG - 1);
        const i = l * ALONG + t;
        const j = (LINES + l) * ALONG + t;
        gridA[i] = LOC_A + across * SCALE_A;
        gridB[i] = LOC_B + along * SCALE_B;
        gridA[j] = LOC_A + along * SCALE_A;
        gridB[j] = LOC_B + across * SCALE_B;
      }
    }

    // The density colours: the gallery's map, 256 steps; low densities stay background.
    const lut = new Uint8ClampedArray(256 * 3);
    const stops = DATA.cmap.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    for (let i = 0; i < 256; i++) {
      const x = (i / 255) * (stops.length - 1);
      const j = Math.min(Math.floor(x), stops.length - 2);
      for (let c = 0; c < 3; c++) {
        lut[3 * i + c] = stops[j][c] + (x - j) * (stops[j + 1][c] - stops[j][c]);
      }
    }
    const image = document.createElement("canvas");
    image.width = image.height = R;
    const imageCtx = image.getContext("2d");
    const pixels = imageCtx.createImageData(R, R);
    const gridX = new Float64Array(R * R);
    const gridY = new Float64Array(R * R);
    const logp = new Float64Array(R * R);
    const positive = new Float64Array(R * R);

    let view = null;
    let pointer = null;
    let plot = null;
    let measured = {};

    const params = () => ({
      shift: [S.c0, S.c1], scale: [S.d0, S.d1], strength: S.e, angle: S.theta, order: S.order,
    });

    function quantile(sorted, q) {
      const at = q * (sorted.length - 1);
      const i = Math.floor(at);
      return i + 1 < sorted.length ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    /* The same quantile (NumPy's linear rule) of unsorted values, by selection: values is
     * reordered so that values[i] is the i-th smallest and nothing left of it is larger. */
    function select(values, q) {
      const at = q * (values.length - 1);
      const k = Math.floor(at);
      let lo = 0;
      let hi = values.length - 1;
      while (lo < hi) {
        const pivot = values[(lo + hi) >> 1];
        let i = lo;
        let j = hi;
        while (i <= j) {
          while (values[i] < pivot) i++;
          while (values[j] > pivot) j--;
          if (i <= j) { const v = values[i]; values[i++] = values[j]; values[j--] = v; }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
      }
      if (k + 1 >= values.length) return values[k];
      let next = Infinity;
      for (let i = k + 1; i < values.length; i++) if (values[i] < next) next = values[i];
      return values[k] + (at - k) * (next - values[k]);
    }

    /* The gallery's framing: the unit square when every point is in it; otherwise the
     * bulk of the points, square (to scale) unless 4 times longer than wide. */
    function frame(a, b) {
      const xs = a.filter(Number.isFinite).sort();
      const ys = b.filter(Number.isFinite).sort();
      if (!xs.length || !ys.length) return { box: [-1, 1, -1, 1], toScale: true };
      if (xs[0] >= 0 && xs[xs.length - 1] <= 1 && ys[0] >= 0 && ys[ys.length - 1] <= 1) {
        return { box: [-0.02, 1.02, -0.02, 1.02], toScale: true };
      }
      const lo = [quantile(xs, 0.005), quantile(ys, 0.005)];
      const hi = [quantile(xs, 0.995), quantile(ys, 0.995)];
      const half = [0, 1].map((i) => Math.max((hi[i] - lo[i]) / 2, 1e-6) * 1.08);
      const toScale = Math.max(...half) <= DATA.maxAspect * Math.min(...half);
      if (toScale) half.fill(Math.max(...half));
      const mid = [0, 1].map((i) => (lo[i] + hi[i]) / 2);
      const box = [mid[0] - half[0], mid[0] + half[0], mid[1] - half[1], mid[1] + half[1]];
      return { box, toScale };
    }

    function colours() {
      const style = getComputedStyle(root);
      const get = (name) => style.getPropertyValue(name).trim();
      const dark = document.documentElement.dataset.theme === "dark";
      const font = getComputedStyle(document.body).fontFamily;
      return { dark, bg: get("--fx-bg"), ink: get("--fx-ink"), line: get("--fx-line"), font };
    }

    function density(maps, k, dark) {
      const [x0, x1, y0, y1] = view.box;
      for (let i = 0; i < R; i++) {
        for (let j = 0; j < R; j++) {
          gridX[i * R + j] = x0 + ((x1 - x0) * (j + 0.5)) / R;
          gridY[i * R + j] = y0 + ((y1 - y0) * (i + 0.5)) / R;
        }
      }
      score(maps, S.order, k, gridX, gridY, logp);
      let sum = 0;
      let count = 0;
      for (let i = 0; i < R * R; i++) {
        const p = Math.exp(logp[i]); // 0 off the support, where log p = -inf
        if (p > 0) { sum += p; positive[count++] = p; }
      }
      const top = count ? select(positive.subarray(0, count), 0.998) : 1;
      const low = Math.log(top) - DATA.decades * Math.LN10;
      const span = DATA.decades * Math.LN10;
      const out = pixels.data;
      for (let i = 0; i < R; i++) {
        for (let j = 0; j < R; j++) {
          const o = 4 * ((R - 1 - i) * R + j); // first row of the image is the top
          const t = (logp[i * R + j] - low) / span; // -inf off the support
          if (!(t >= 0)) { out[o + 3] = 0; continue; }
          // Dark mode reverses the map: the lowest densities fade into the dark page.
          const step = Math.min(255, Math.floor(t * 256));
          const c = 3 * (dark ? 255 - step : step);
          out[o] = lut[c]; out[o + 1] = lut[c + 1]; out[o + 2] = lut[c + 2]; out[o + 3] = 255;
        }
      }
      imageCtx.putImageData(pixels, 0, 0);
      return { mass: (sum * (x1 - x0) * (y1 - y0)) / (R * R), top };
    }

    function ticks(lo, hi) {
      const raw = (hi - lo) / 5;
      const mag = 10 ** Math.floor(Math.log10(raw));
      const f = raw / mag;
      const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
      const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
      const out = [];
      for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) {
        out.push([v, (Math.abs(v) < step / 1e6 ? 0 : v).toFixed(digits).replace("-", "\u2212")]);
      }
      return out;
    }

    function draw() {
      cancelAnimationFrame(scheduled);
      scheduled = 0;
      drawn += 1;
      const maps = makeMaps(params());
      const k = S.stage;
      const a = baseA.slice();
      const b = baseB.slice();
      push(maps, S.order, k, a, b);
      if (!S.hold || !view) view = frame(a, b);
      const { mass, top } = density(maps, k, col.dark);
      const dpr = window.devicePixelRatio || 1;
      const w = width;
      if (canvas.width !== Math.round(w * dpr)) canvas.width = canvas.height = Math.round(w * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const font = w < 360 ? 11 : 12;
      const left = 4.2 * font;
      const bottom = 3.2 * font;
      const side = w - left - 8;
      plot = { left, top: w - bottom - side, side };
      const [x0, x1, y0, y1] = view.box;
      const X = (x) => left + ((x - x0) / (x1 - x0)) * side;
      const Y = (y) => plot.top + (1 - (y - y0) / (y1 - y0)) * side;
      ctx.fillStyle = col.bg;
      ctx.fillRect(0, 0, w, w);
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, plot.top, side, side);
      ctx.clip();
      if (S.density) {
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(image, left, plot.top, side, side);
      }
      if (S.grid) {
        const g = gridA.slice();
        const h = gridB.slice();
        push(maps, S.order, k, g, h);
        ctx.strokeStyle = col.line;
        ctx.lineWidth = 1;
        ctx.beginPath();
        let drawing = false; // a line breaks where a point has no finite image
        for (let i = 0; i < g.length; i++) {
          if (!Number.isFinite(g[i]) || !Number.isFinite(h[i])) { drawing = false; continue; }
          if (drawing && i % ALONG) ctx.lineTo(X(g[i]), Y(h[i]));
          else ctx.moveTo(X(g[i]), Y(h[i]));
          drawing = true;
        }
        ctx.stroke();
      }
      if (S.samples) {
        const r = w < 360 ? 1.4 : 1.7;
        ctx.lineWidth = 1;
        ctx.strokeStyle = col.bg; // a thin halo (the outer half of the stroke) sets points apart
        DATA.quadrantColors.forEach((colour, q) => {
          ctx.fillStyle = colour;
          ctx.beginPath();
          for (let i = 0; i < N; i++) {
            if (quadrant[i] !== q || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
            const x = X(a[i]);
            const y = Y(b[i]);
            ctx.moveTo(x + r, y);
            ctx.arc(x, y, r, 0, 2 * Math.PI);
          }
          ctx.stroke();
          ctx.fill();
        });
      }
      ctx.restore();
      // Frame, ticks and labels.
      ctx.strokeStyle = col.ink;
      ctx.lineWidth = 1;
      ctx.strokeRect(left + 0.5, plot.top + 0.5, side - 1, side - 1);
      ctx.fillStyle = col.ink;
      ctx.font = `${font}px ${col.font}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.beginPath();
      for (const [v, text] of ticks(x0, x1)) {
        ctx.moveTo(X(v), plot.top + side);
        ctx.lineTo(X(v), plot.top + side + 4);
        ctx.fillText(text, X(v), plot.top + side + 6);
      }
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (const [v, text] of ticks(y0, y1)) {
        ctx.moveTo(left, Y(v));
        ctx.lineTo(left - 4, Y(v));
        ctx.fillText(text, left - 6, Y(v));
      }
      ctx.stroke();
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      ctx.fillText(`z${sub(k)},\u2090`, left + side / 2, w - 4);
      ctx.save();
      ctx.translate(font, plot.top + side / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(`z${sub(k)},b`, 0, 0);
      ctx.restore();
      if (!view.toScale) {
        ctx.textAlign = "right";
        ctx.fillText("axes not to scale", left + side - 6, plot.top + side - 8);
      }
      measured = { mass, top, box: view.box.slice(), toScale: view.toScale };
      $("mass").textContent = mass.toFixed(4);
      $("top").textContent = top.toPrecision(3);
      const stage = k ? `after ${S.order.slice(0, k).join(", then ")}` : "the base";
      canvas.setAttribute(
        "aria-label",
        `Stage ${k}, ${stage}: ${N} samples coloured by base quadrant, the deformed grid and the ` +
          `density, x from ${fmt(x0)} to ${fmt(x1)}, y from ${fmt(y0)} to ${fmt(y1)}; ` +
          `mass on the drawing grid ${mass.toFixed(4)}.`,
      );
      showPointer();
      queueUrl();
    }

    const sub = (k) => String.fromCharCode(0x2080 + k);
    const fmt = (v) => {
      const text = Number(v.toFixed(4)).toString();
      return text === "-0" ? "0" : text.replace("-", "\u2212");
    };

    function showPointer() {
      if (!pointer) return;
      const a = Float64Array.of(pointer[0]);
      const b = Float64Array.of(pointer[1]);
      const v = score(makeMaps(params()), S.order, S.stage, a, b)[0];
      const where = `(${fmt(pointer[0])}, ${fmt(pointer[1])})`;
      $("pointer").textContent = `log p${sub(S.stage)}${where} = ${
        v === -Infinity ? "\u2212\u221e (outside the support)" : fmt(v)
      }`;
      measured.pointer = { at: pointer.slice(), logProb: v };
    }

    let scheduled = 0;
    let drawn = 0;
    function schedule() {
      if (!scheduled) scheduled = requestAnimationFrame(draw);
    }

    /* -------------------------------------------------------------- controls */

    function showSlider(input) {
      const v = S[input.name];
      input.value = v;
      const extra = input.name === "theta" ? ` (${(v * 180 / Math.PI).toFixed(1)}\u00b0)` : "";
      root.querySelector(`#fx-${input.name}-value`).textContent = fmt(v) + extra;
    }

    function showOrder() {
      const list = root.querySelector(".fx-order");
      const title = (name) => {
        const stage = DATA.stages[NAMES.indexOf(name)];
        const [f, i] = stage.symbol.split("_");
        return `${f}${String.fromCharCode(0x2080 + Number(i))} ${name.replace(/_/g, " ")}`;
      };
      list.replaceChildren(...S.order.map((name, i) => {
        const item = document.createElement("li");
        item.dataset.name = name;
        const label = document.createElement("span");
        label.textContent = title(name);
        item.append(label);
        for (const [dir, text, arrow] of [[-1, "earlier", "\u2191"], [1, "later", "\u2193"]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = arrow;
          button.dataset.move = dir;
          button.setAttribute("aria-label", `Apply ${name.replace(/_/g, " ")} ${text}`);
          button.disabled = i + dir < 0 || i + dir >= S.order.length;
          item.append(button);
        }
        return item;
      }));
      root.querySelectorAll(".fx-stages label span").forEach((span, k) => {
        span.textContent = k ? `${k}: after ${title(S.order[k - 1])}` : "0: base";
      });
    }

    function update(changes) {
      const reorder = !S.order.every((name, i) => name === (changes.order || S.order)[i]);
      Object.assign(S, changes);
      sliders.forEach(showSlider);
      root.querySelectorAll("input[name=fx-stage]").forEach((radio) => {
        radio.checked = Number(radio.value) === S.stage;
      });
      for (const box of root.querySelectorAll("input[type=checkbox]")) box.checked = S[box.name];
      if (reorder || !root.querySelector(".fx-order button")) showOrder();
      schedule();
    }

    for (const input of sliders) {
      input.addEventListener("input", () => {
        S[input.name] = Number(input.value);
        showSlider(input);
        schedule();
      });
      // Arrow keys step to the next multiple of the slider's step, so that round values
      // (e = 0) are reachable from the seed-0 draw; Page keys move ten steps.
      input.addEventListener("keydown", (event) => {
        const steps = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1,
          PageUp: 10, PageDown: -10 }[event.key];
        if (!steps) return;
        event.preventDefault();
        const step = Number(input.dataset.step);
        const units = S[input.name] / step;
        const from = steps > 0 ? Math.floor(units + 1e-9) : Math.ceil(units - 1e-9);
        const next = Number(((from + steps) * step).toFixed(12));
        S[input.name] = Math.min(Number(input.max), Math.max(Number(input.min), next));
        showSlider(input);
        schedule();
      });
    }
    root.addEventListener("change", (event) => {
      const input = event.target;
      if (input.name === "fx-stage") S.stage = Number(input.value);
      else if (input.type === "checkbox") S[input.name] = input.checked;
      else return;
      schedule();
    });
    root.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.move) {
        const name = button.closest("li").dataset.name;
        const i = S.order.indexOf(name);
        const j = i + Number(button.dataset.move);
        const order = S.order.slice();
        [order[i], order[j]] = [order[j], order[i]];
        update({ order });
        const moved = root.querySelector(`.fx-order li[data-name="${name}"]`);
        const again = moved.querySelector(`button[data-move="${button.dataset.move}"]`);
        (again.disabled ? moved.querySelector("button:not(:disabled)") : again).focus();
        $("order-status").textContent = `Order: ${S.order.join(", ").replace(/_/g, " ")}`;
        return;
      }
      const action = button.dataset.fxAction;
      const sigmoidFirst = ["sigmoid", ...S.order.filter((name) => name !== "sigmoid")];
      const changes = {
        parameters: { ...defaults },
        order: { order: NAMES.slice() },
        "no-shear": { e: 0 },
        "sigmoid-first": { order: sigmoidFirst, stage: NAMES.length },
        reset: { ...defaults, order: NAMES.slice(), stage: NAMES.length, hold: false },
      }[action];
      if (changes) update(changes);
    });

    function track(event) {
      if (!plot || !view) return;
      const rect = canvas.getBoundingClientRect();
      const u = (event.clientX - rect.left - plot.left) / plot.side;
      const v = (event.clientY - rect.top - plot.top) / plot.side;
      if (u < 0 || u > 1 || v < 0 || v > 1) return;
      const [x0, x1, y0, y1] = view.box;
      pointer = [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
      showPointer();
    }
    canvas.addEventListener("pointermove", track);
    canvas.addEventListener("pointerdown", track);

    /* -------------------------------------------------- the address of a view */

    // ?stage=rotation (or 0-5, or base), &order=sigmoid,shift,..., &e=0 and the other keys.
    function readUrl() {
      const query = new URLSearchParams(window.location.search);
      const changes = {};
      const order = (query.get("order") || "").split(",").filter(Boolean);
      if (order.length) {
        try { changes.order = checkedOrder({ order }); } catch (error) { /* ignore a bad order */ }
      }
      for (const input of sliders) {
        const v = Number(query.get(input.name));
        if (query.has(input.name) && Number.isFinite(v)) {
          changes[input.name] = Math.min(Number(input.max), Math.max(Number(input.min), v));
        }
      }
      const stage = query.get("stage");
      const position = (changes.order || S.order).indexOf(stage);
      if (stage === "base") changes.stage = 0;
      else if (position >= 0) changes.stage = position + 1;
      else if (/^[0-5]$/.test(stage || "")) changes.stage = Number(stage);
      return changes;
    }

    let urlTimer = 0;
    function queueUrl() {
      clearTimeout(urlTimer);
      urlTimer = setTimeout(() => {
        const query = new URLSearchParams();
        if (S.stage !== NAMES.length) query.set("stage", S.stage ? S.order[S.stage - 1] : "base");
        if (S.order.some((name, i) => name !== NAMES[i])) query.set("order", S.order.join(","));
        for (const input of sliders) {
          if (S[input.name] !== defaults[input.name]) query.set(input.name, S[input.name]);
        }
        const search = query.toString().replace(/%2C/g, ","); // readable: order=sigmoid,shift,...
        try {
          const { pathname, hash } = window.location;
          history.replaceState(history.state, "", `${search ? `?${search}` : pathname}${hash}`);
        } catch (error) { /* some file:// pages refuse; the view still works */ }
      }, 300);
    }

    // Sizes and colours are read when they change, never while drawing (no forced layout).
    let col = colours();
    let width = canvas.clientWidth || 320;
    const header = document.querySelector(".bd-header");
    new MutationObserver(() => { col = colours(); schedule(); }).observe(document.documentElement, {
      attributes: true, attributeFilter: ["data-theme"],
    });
    const resized = new ResizeObserver(() => {
      width = canvas.clientWidth || 320;
      // The drawing stays in view below the theme's sticky header (explorer.css).
      root.style.setProperty("--fx-top", `${header ? header.offsetHeight : 0}px`);
      schedule();
    });
    resized.observe(canvas);
    if (header) resized.observe(header);

    window.flowdocsExplorer.draw = draw;
    window.flowdocsExplorer.set = (changes) => { update(changes); draw(); };
    window.flowdocsExplorer.state = () => ({ ...S, order: S.order.slice(), ...measured, drawn });

    update(readUrl());
  }
})();
