// The refusal sound: two short square-wave tones made with WebAudio (no sound file to ship). A browser that
// blocks audio (autoplay policy, no sound card) must never break the page: the red panel is the signal.

let context = null;

export function beep() {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return false;
    context = context || new Ctx();
    if (context.state === 'suspended') context.resume().catch(() => {});
    const t = context.currentTime;
    for (const [start, freq] of [
      [0, 880],
      [0.3, 660],
    ]) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(context.destination);
      osc.start(t + start);
      osc.stop(t + start + 0.22);
    }
    return true;
  } catch {
    return false;
  }
}
