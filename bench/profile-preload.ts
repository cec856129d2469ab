// Preloaded into a pack process by bench/profile.ts (node --require): SIGUSR2 starts the V8 CPU profiler,
// the next SIGUSR2 stops it and writes the profile to $AUDITGUARD_PROFILE_OUT. Each step is acknowledged by a
// file next to it (".started", then the profile itself), so the driver waits on the pack, not on a clock.

import { Session } from "node:inspector";
import { renameSync, writeFileSync } from "node:fs";

const out = process.env["AUDITGUARD_PROFILE_OUT"];
if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.enable", () =>
        session.post("Profiler.setSamplingInterval", { interval: 200 }, () =>
          session.post("Profiler.start", () => writeFileSync(`${out}.started`, "")),
        ),
      );
      return;
    }
    running = false;
    session.post("Profiler.stop", (err, res) => {
      // Renamed into place: the driver reads the file as soon as it exists.
      writeFileSync(`${out}.tmp`, err ? JSON.stringify({ error: String(err) }) : JSON.stringify(res.profile));
      renameSync(`${out}.tmp`, out);
    });
  });
}
