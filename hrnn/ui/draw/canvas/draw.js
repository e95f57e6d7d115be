// The Draw page's canvas (hrnn/ui/draw/canvas/__init__.py mounts it). White strokes on a transparent canvas that CSS
// shows black, drawn with any pointer (mouse, pen, finger); on pen-up the drawing goes to Python at once, as the
// state value "drawing": a PNG data URL of the `size` x `size` canvas, transparent where nothing was drawn.
//
// Streamlit calls this function again on every rerun that changes the data (the pen width, a new instance after
// Clear) with the same canvas element, and never runs the cleanup of the earlier call: so the canvas is set up
// once, and each call only updates what the listeners read.

export default function ({ parentElement, data, setStateValue }) {
  const canvas = parentElement.querySelector("canvas");
  if (!canvas) return;
  canvas.hrnnPad ??= makePad(canvas, data.size);
  const pad = canvas.hrnnPad;
  pad.pen = data.pen;
  pad.send = (url) => setStateValue("drawing", url);
  if (pad.instance !== data.instance) {
    // Clear gives the canvas a new key; Streamlit may keep the old element for it, with the old strokes.
    pad.clear();
    pad.instance = data.instance;
  }
}

function makePad(canvas, size) {
  const ratio = window.devicePixelRatio || 1;
  // Sharp on high-density screens: the bitmap has `ratio` pixels per CSS pixel; strokes are drawn in CSS pixels.
  canvas.width = canvas.height = Math.round(size * ratio);
  canvas.style.width = `${size}px`;
  const ink = canvas.getContext("2d");
  ink.scale(ratio, ratio);
  const pad = { pen: 1, send: () => {}, instance: null, pointer: null, last: null };
  pad.clear = () => ink.clearRect(0, 0, size, size);

  const at = (event) => {
    const box = canvas.getBoundingClientRect(); // the canvas may be shown smaller than `size` (a narrow column)
    return [((event.clientX - box.left) * size) / box.width, ((event.clientY - box.top) * size) / box.height];
  };
  const dot = ([x, y]) => {
    ink.beginPath();
    ink.arc(x, y, pad.pen / 2, 0, 2 * Math.PI);
    ink.fill();
  };
  const line = (from, to) => {
    ink.beginPath();
    ink.moveTo(...from);
    ink.lineTo(...to);
    ink.stroke();
  };
  const image = () => {
    if (ratio === 1) return canvas.toDataURL("image/png");
    const small = document.createElement("canvas"); // what Python reads is `size` x `size`, whatever the screen
    small.width = small.height = size;
    const copy = small.getContext("2d");
    copy.imageSmoothingQuality = "high";
    copy.drawImage(canvas, 0, 0, size, size);
    return small.toDataURL("image/png");
  };

  canvas.addEventListener("pointerdown", (event) => {
    if (pad.pointer !== null || event.button !== 0) return; // one pointer draws; a second finger is ignored
    event.preventDefault();
    pad.pointer = event.pointerId;
    canvas.setPointerCapture(event.pointerId); // a stroke that leaves the canvas still ends here
    ink.fillStyle = ink.strokeStyle = "#fff";
    ink.lineWidth = pad.pen;
    ink.lineCap = ink.lineJoin = "round";
    pad.last = at(event);
    dot(pad.last); // a tap leaves a mark too
  });
  canvas.addEventListener("pointermove", (event) => {
    if (event.pointerId !== pad.pointer) return;
    for (const point of event.getCoalescedEvents?.() ?? [event]) {
      const next = at(point);
      line(pad.last, next);
      pad.last = next;
    }
  });
  const penUp = (event) => {
    if (event.pointerId !== pad.pointer) return;
    pad.pointer = null;
    pad.send(image()); // at once: no wait, no debounce
  };
  canvas.addEventListener("pointerup", penUp);
  canvas.addEventListener("pointercancel", penUp);
  return pad;
}
