// Hands-free microphone: streams 16 kHz PCM to the server, which says when an answer is over.
// Gradio's own streaming microphone drops audio when the server is busy (a chunk in flight holds
// back the next), so this one queues every sample and sends what has piled up in one request.
(() => {
  const RATE = 16000;
  const S = (window.handsFree = window.handsFree || { active: false, started: 0, answers: 0 });
  S.stream = S.stream || Math.random().toString(36).slice(2) + Date.now().toString(36);
  S.queue = [];
  S.sending = false;

  const field = (id) => document.querySelector(`#${id} textarea, #${id} input`);
  const speakerAudio = () => document.querySelectorAll("#speaker audio");

  function stopSpeaker() {
    speakerAudio().forEach((a) => a.pause());
  }

  function setStatus(text) {
    const el = document.querySelector("#hands-free-state");
    if (el) el.textContent = text;
  }

  function submit(text) {
    const box = field("hands-free-answer");
    const send = document.querySelector("#hands-free-send");
    if (!box || !send) return;
    const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
    setter.call(box, text);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => send.click(), 30);
  }

  async function flush() {
    if (S.sending || !S.queue.length || !S.active) return;
    S.sending = true;
    const parts = S.queue.splice(0);
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    const sid = (field("hands-free-sid") || {}).value || "";
    const pause = (field("end-of-turn") || {}).value || "1";
    const url = new URL("hands-free/listen", window.location.href);
    url.search = new URLSearchParams({ stream: S.stream, sid, pause }).toString();
    try {
      const reply = await fetch(url, { method: "POST", body: pcm.buffer });
      const heard = await reply.json();
      if (heard.starts > S.started) {
        S.started = heard.starts;
        stopSpeaker(); // barge-in: the candidate talks, the interviewer stops
        document.body.dataset.bargeIns = String(S.started);
      }
      if (heard.answer && heard.answers > S.answers) {
        S.answers = heard.answers;
        submit(heard.answer);
      }
      if (heard.notice) setStatus(heard.notice);
    } catch (err) {
      console.warn("hands-free:", err);
    }
    S.sending = false;
    if (S.queue.length) setTimeout(flush, 0);
  }

  function downsample(input, rate) {
    const ratio = rate / RATE;
    const out = new Int16Array(Math.floor(input.length / ratio));
    for (let i = 0; i < out.length; i++) {
      const from = Math.floor(i * ratio);
      const to = Math.max(from + 1, Math.floor((i + 1) * ratio));
      let sum = 0;
      for (let j = from; j < to; j++) sum += input[j];
      out[i] = Math.max(-1, Math.min(1, sum / (to - from))) * 32767;
    }
    return out;
  }

  S.start = async () => {
    if (S.active) return;
    const media = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
    });
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(media);
    const node = ctx.createScriptProcessor(2048, 1, 1);
    node.onaudioprocess = (e) => {
      S.queue.push(downsample(e.inputBuffer.getChannelData(0), ctx.sampleRate));
      flush();
    };
    source.connect(node);
    node.connect(ctx.destination); // silent: the output buffer is never written
    Object.assign(S, { media, ctx, node, active: true });
    setStatus("Listening: just talk. A pause sends your answer.");
  };

  S.stop = () => {
    if (!S.active) return;
    S.node.disconnect();
    S.media.getTracks().forEach((t) => t.stop());
    S.ctx.close();
    Object.assign(S, { active: false, queue: [] });
    setStatus("Hands-free is off.");
  };

  S.toggle = async () => {
    if (S.active) S.stop();
    else await S.start();
    return S.active;
  };
})();
