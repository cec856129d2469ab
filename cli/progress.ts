// Progress while `start --yes` waits, on stderr (so --json output on stdout stays clean). It animates one line
// only on an interactive terminal whose width is known and outside CI; everywhere else (pipes, CI logs, a
// terminal that reports 0 columns) it writes one plain line per change of state. The animated line is cut to
// the terminal's width and redrawn with a carriage return: nothing depends on the width to terminate, so no
// width, however odd, can make it loop (nanospinner divided by a width of 0 and cleared lines forever).

import { redact } from "../lib/redact";

export interface Progress {
  update(text: string): void;
  done(text: string, ok: boolean): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** A terminal's width; 0 or absent when it reports none. */
  columns?: number;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 120;

/** Animate only where a person watches a terminal of known width; CI logs get plain lines. */
export function animates(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const width = stream.columns;
  return (
    stream.isTTY === true &&
    typeof width === "number" &&
    Number.isFinite(width) &&
    width >= 20 &&
    (env["CI"] === undefined || env["CI"] === "") &&
    env["TERM"] !== "dumb"
  );
}

export function progressFor(stream: ProgressStream, label: string, env: NodeJS.ProcessEnv = process.env): Progress {
  if (!animates(stream, env)) return plainProgress(stream, label);
  let text = redact(label);
  let frame = 0;
  const draw = () => {
    // One line, never wider than the terminal: a carriage return and erase-line always reach its start.
    const width = Math.max(20, stream.columns ?? 80);
    const line = `${FRAMES[frame % FRAMES.length] ?? "-"} ${text}`;
    stream.write(`\r\u001b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
    frame++;
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  // The animation never keeps the process alive.
  timer.unref();
  return {
    update: (t) => {
      text = redact(`${label}: ${t}`);
      draw();
    },
    done: (t, ok) => {
      clearInterval(timer);
      stream.write(`\r\u001b[2K${ok ? "✔" : "✖"} ${redact(`${label}: ${t}`)}\n`);
    },
  };
}

function plainProgress(stream: ProgressStream, label: string): Progress {
  let last = "";
  return {
    update: (text) => {
      if (text === last) return;
      last = text;
      stream.write(`${redact(`${label}: ${text}`)}\n`);
    },
    done: (text, ok) => stream.write(`${redact(`${label}: ${ok ? "done" : "not done"}: ${text}`)}\n`),
  };
}
