//! `upsdrvctl status`: one line per UPS, from its PID file and a probe of its socket.

use std::time::Duration;

use nix::unistd::Pid;
use nut_core::config::UpsSection;

use super::Ctl;
use crate::control::read_pid_file;
use crate::socket_reader::blocking;

impl Ctl<'_> {
    pub(super) fn status_all(&mut self, ups: &[UpsSection]) -> bool {
        let _ = writeln!(
            self.out,
            "UPSNAME\tUPSDRV\tRUNNING\tPF_PID\tS_RESPONSIVE\tS_PID\tS_STATUS"
        );
        for s in ups {
            let pf_pid = read_pid_file(&self.pid_file(s)).ok();
            let running =
                pf_pid.is_some_and(|p| nix::sys::signal::kill(Pid::from_raw(p), None).is_ok());
            let probe = blocking::probe(&self.socket(s), Duration::from_secs(5)).ok();
            let responsive = probe.as_ref().is_some_and(|p| p.responsive);
            let _ = writeln!(
                self.out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                s.name,
                s.driver,
                if running { "RUNNING" } else { "STOPPED" },
                pf_pid
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "N/A".into()),
                if responsive {
                    "RESPONSIVE"
                } else {
                    "NOT_RESPONSIVE"
                },
                probe
                    .as_ref()
                    .and_then(|p| p.pid.clone())
                    .unwrap_or_else(|| "N/A".into()),
                probe
                    .as_ref()
                    .and_then(|p| p.status.clone())
                    .map(|st| format!("\"{st}\""))
                    .unwrap_or_else(|| "N/A".into()),
            );
        }
        true
    }
}
