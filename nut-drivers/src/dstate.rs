//! [`Dstate`]: the driver's live state tree (C `drivers/dstate.c`). Every change is applied to
//! a [`DriverState`] and, when it changed something, written at once to every connected
//! reader that has broadcasts on. Shared by the device thread and the socket server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use nut_core::sock::{DriverMessage, DriverState, MAX_VALUE_LEN, VarFlags};

use crate::server::queue::{Chunk, ReaderTx};

#[derive(Debug)]
struct ReaderSlot {
    tx: ReaderTx,
    broadcast: bool,
}

#[derive(Debug, Default)]
struct StatusBuf {
    tokens: Vec<String>,
    alarms: Vec<String>,
    alarm_active: bool,
    legacy_alarm: bool,
    ignorelb: bool,
}

#[derive(Debug)]
struct Hub {
    state: DriverState,
    readers: BTreeMap<u64, ReaderSlot>,
    next_id: u64,
    status: StatusBuf,
}

/// Handle on the driver's state tree; cheap to clone, usable from any thread.
#[derive(Debug, Clone)]
pub struct Dstate {
    hub: Arc<Mutex<Hub>>,
    /// Held for a whole update ([`Dstate::update`]) and by every reply to a reader, so a
    /// dump is served between two updates, never inside one.
    updates: Arc<Mutex<()>>,
}

impl Default for Dstate {
    fn default() -> Self {
        Self::new()
    }
}

/// Cut a value to what a C driver keeps (`ST_MAX_VALUE_LEN`), on a character boundary.
fn clamp_value(value: &str) -> &str {
    if value.len() <= MAX_VALUE_LEN {
        return value;
    }
    let mut end = MAX_VALUE_LEN;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

impl Dstate {
    /// An empty, stale state with no readers.
    pub fn new() -> Dstate {
        Dstate {
            hub: Arc::new(Mutex::new(Hub {
                state: DriverState::new(),
                readers: BTreeMap::new(),
                next_id: 1,
                status: StatusBuf::default(),
            })),
            updates: Arc::new(Mutex::new(())),
        }
    }

    /// Run `f` as one update: a reader's `DUMPALL` waits until it is done, so it never shows
    /// half of it (OB with the old charge), as with a C driver, which serves its sockets
    /// between two updates. Broadcasts still leave as each change is made. `f` must not wait
    /// on a device: dumps wait for it.
    pub fn update<R>(&self, f: impl FnOnce(&Dstate) -> R) -> R {
        let _whole = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
        f(self)
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        // A panic elsewhere must not take the whole driver down with it.
        self.hub.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Apply a message and broadcast it if it changed the state. Returns whether it did.
    pub fn publish(&self, msg: DriverMessage) -> bool {
        let mut hub = self.lock();
        if !hub.state.apply(&msg) {
            return false;
        }
        let line: Chunk = Arc::from(format!("{msg}\n"));
        broadcast(&mut hub, &line);
        true
    }

    /// `dstate_setinfo`: create or update a variable (values longer than 255 bytes are cut;
    /// control characters, which a device or a remote server could slip in to split a
    /// protocol line, are dropped).
    pub fn setinfo(&self, var: &str, value: &str) -> bool {
        let cleaned: std::borrow::Cow<'_, str> = if value.chars().any(char::is_control) {
            value
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .into()
        } else {
            value.into()
        };
        let value = clamp_value(&cleaned);
        self.publish(DriverMessage::SetInfo {
            var: var.to_string(),
            value: value.to_string(),
        })
    }

    /// `dstate_delinfo`.
    pub fn delinfo(&self, var: &str) -> bool {
        self.publish(DriverMessage::DelInfo {
            var: var.to_string(),
        })
    }

    /// `dstate_addenum`.
    pub fn addenum(&self, var: &str, value: &str) -> bool {
        self.publish(DriverMessage::AddEnum {
            var: var.to_string(),
            value: clamp_value(value).to_string(),
        })
    }

    /// `dstate_delenum`.
    pub fn delenum(&self, var: &str, value: &str) -> bool {
        self.publish(DriverMessage::DelEnum {
            var: var.to_string(),
            value: value.to_string(),
        })
    }

    /// `dstate_addrange`.
    pub fn addrange(&self, var: &str, min: i32, max: i32) -> bool {
        let added = self.publish(DriverMessage::AddRange {
            var: var.to_string(),
            min,
            max,
        });
        if added {
            // As C's dstate_addrange: a variable with a range is a NUMBER.
            let flags = self.lock().state.get(var).map(|n| n.flags);
            if let Some(flags) = flags {
                self.setflags(var, flags.union(VarFlags::NUMBER));
            }
        }
        added
    }

    /// `dstate_delrange`.
    pub fn delrange(&self, var: &str, min: i32, max: i32) -> bool {
        self.publish(DriverMessage::DelRange {
            var: var.to_string(),
            min,
            max,
        })
    }

    /// `dstate_setaux`.
    pub fn setaux(&self, var: &str, aux: i64) -> bool {
        self.publish(DriverMessage::SetAux {
            var: var.to_string(),
            n: aux,
        })
    }

    /// `dstate_setflags`: replace the wire flags (RW, STRING, NUMBER) of a variable.
    pub fn setflags(&self, var: &str, flags: VarFlags) -> bool {
        self.publish(DriverMessage::SetFlags {
            var: var.to_string(),
            flags,
        })
    }

    /// Mark a variable immutable (`override.*`): later `setinfo` calls leave it alone.
    pub fn set_immutable(&self, var: &str) -> bool {
        self.lock().state.set_immutable(var)
    }

    /// `dstate_addcmd`.
    pub fn addcmd(&self, cmd: &str) -> bool {
        self.publish(DriverMessage::AddCmd {
            cmd: cmd.to_string(),
        })
    }

    /// `dstate_delcmd`.
    pub fn delcmd(&self, cmd: &str) -> bool {
        self.publish(DriverMessage::DelCmd {
            cmd: cmd.to_string(),
        })
    }

    /// `dstate_dataok`: broadcast `DATAOK` on a transition only.
    pub fn dataok(&self) -> bool {
        self.publish(DriverMessage::DataOk)
    }

    /// `dstate_datastale`: broadcast `DATASTALE` on a transition only.
    pub fn datastale(&self) -> bool {
        self.publish(DriverMessage::DataStale)
    }

    /// `dstate_getinfo`: the current value of a variable.
    pub fn getinfo(&self, var: &str) -> Option<String> {
        self.lock().state.value(var).map(str::to_string)
    }

    /// Whether the data is currently stale.
    pub fn is_stale(&self) -> bool {
        self.lock().state.is_stale()
    }

    /// A copy of the whole state.
    pub fn snapshot(&self) -> DriverState {
        self.lock().state.clone()
    }

    /// Whether an instant command is registered.
    pub fn has_cmd(&self, cmd: &str) -> bool {
        self.lock().state.has_command(cmd)
    }

    /// Flags of a variable, if it exists.
    pub fn flags(&self, var: &str) -> Option<VarFlags> {
        self.lock().state.get(var).map(|n| n.flags)
    }

    /// Number of connected readers.
    pub fn reader_count(&self) -> usize {
        self.lock().readers.len()
    }

    /// With `ignorelb`, `LB` from the device is dropped and computed from the battery values.
    pub fn set_ignorelb(&self, on: bool) {
        self.lock().status.ignorelb = on;
    }

    /// `status_init`: start a new `ups.status`.
    pub fn status_init(&self) {
        let mut hub = self.lock();
        hub.status.tokens.clear();
        hub.status.legacy_alarm = false;
    }

    /// `status_set`: add one token (or several separated by spaces) unless already present.
    pub fn status_set(&self, tokens: &str) {
        let mut hub = self.lock();
        for token in tokens.split_ascii_whitespace() {
            if token == "ALARM" {
                hub.status.legacy_alarm = true;
                continue;
            }
            if token == "LB" && hub.status.ignorelb {
                continue;
            }
            if !hub.status.tokens.iter().any(|t| t == token) {
                hub.status.tokens.push(token.to_string());
            }
        }
    }

    /// `status_commit`: publish `ups.status` (`ALARM ` first when an alarm is active).
    pub fn status_commit(&self) -> bool {
        let (value, legacy) = {
            let mut hub = self.lock();
            if hub.status.ignorelb
                && !hub.status.tokens.iter().any(|t| t == "LB")
                && battery_low(&hub.state)
            {
                hub.status.tokens.push("LB".to_string());
            }
            let joined = hub.status.tokens.join(" ");
            // A driver that sets the ALARM token without alarm texts gets `[N/A]`, unless
            // ups.alarm is already there (C 2.8.0 keeps it).
            let legacy = hub.status.legacy_alarm
                && !hub.status.alarm_active
                && hub.state.get("ups.alarm").is_none();
            let alarm = hub.status.alarm_active || hub.status.legacy_alarm;
            (
                if alarm {
                    format!("ALARM {joined}").trim_end().to_string()
                } else {
                    joined
                },
                legacy,
            )
        };
        if legacy {
            self.setinfo("ups.alarm", "[N/A]");
        }
        self.setinfo("ups.status", &value)
    }

    /// `alarm_init`: forget the pending alarm texts.
    pub fn alarm_init(&self) {
        self.lock().status.alarms.clear();
    }

    /// `alarm_set`: add an alarm text.
    pub fn alarm_set(&self, text: &str) {
        self.lock().status.alarms.push(text.to_string());
    }

    /// `alarm_commit`: publish `ups.alarm` (or delete it when no alarm is set).
    pub fn alarm_commit(&self) -> bool {
        let text = {
            let mut hub = self.lock();
            let text = hub.status.alarms.join(" ");
            hub.status.alarm_active = !text.is_empty();
            text
        };
        if text.is_empty() {
            self.delinfo("ups.alarm")
        } else {
            self.setinfo("ups.alarm", &text)
        }
    }

    /// Register a reader; its queue receives broadcasts from now on.
    pub(crate) fn add_reader(&self, tx: ReaderTx) -> u64 {
        let mut hub = self.lock();
        let id = hub.next_id;
        hub.next_id += 1;
        hub.readers.insert(
            id,
            ReaderSlot {
                tx,
                broadcast: true,
            },
        );
        id
    }

    /// Forget a reader.
    pub(crate) fn remove_reader(&self, id: u64) {
        self.lock().readers.remove(&id);
    }

    /// Turn broadcasts to one reader on or off.
    pub(crate) fn set_broadcast(&self, id: u64, on: bool) {
        if let Some(slot) = self.lock().readers.get_mut(&id) {
            slot.broadcast = on;
        }
    }

    /// Queue a reply for one reader under the state lock, so no broadcast can slip between
    /// the state it describes and the reply (used for DUMPALL). Returns false if the reader
    /// is gone or stuck.
    pub(crate) fn reply_with(
        &self,
        id: u64,
        make: impl FnOnce(&DriverState) -> Vec<DriverMessage>,
    ) -> bool {
        let _between_updates = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
        let mut hub = self.lock();
        let mut text = String::new();
        for msg in make(&hub.state) {
            text.push_str(&msg.to_string());
            text.push('\n');
        }
        let ok = match hub.readers.get(&id) {
            Some(slot) => slot.tx.send(&Arc::from(text)),
            None => false,
        };
        if !ok {
            if let Some(slot) = hub.readers.remove(&id) {
                slot.tx.kill();
            }
        }
        ok
    }
}

/// Send one line to every reader with broadcasts on; a reader whose queue is full or closed
/// is dropped so it can never stall the driver (C dummy-ups can abort there).
fn broadcast(hub: &mut Hub, line: &Chunk) {
    let mut gone = Vec::new();
    for (id, slot) in &hub.readers {
        if slot.broadcast && !slot.tx.send(line) {
            gone.push(*id);
        }
    }
    for id in gone {
        tracing::warn!(
            reader = id,
            "dropping a socket reader that does not keep up or went away"
        );
        if let Some(slot) = hub.readers.remove(&id) {
            slot.tx.kill();
        }
    }
}

fn battery_low(state: &DriverState) -> bool {
    let num = |v: &str| state.value(v).and_then(|s| s.trim().parse::<f64>().ok());
    let below = |a: &str, b: &str| matches!((num(a), num(b)), (Some(x), Some(y)) if x < y);
    below("battery.charge", "battery.charge.low") || below("battery.runtime", "battery.runtime.low")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::mpsc;

    use super::*;
    use crate::server::queue::{READER_QUEUE, READER_QUEUE_BYTES};

    #[test]
    fn control_characters_never_reach_a_value() {
        let d = Dstate::new();
        d.setinfo("ups.mfr", "ACME\nVAR ups ups.status \"OB LB\"\r\u{7}");
        assert_eq!(
            d.getinfo("ups.mfr").as_deref(),
            Some("ACMEVAR ups ups.status \"OB LB\"")
        );
        d.setinfo("ups.model", "Back-UPS \u{e9}");
        assert_eq!(d.getinfo("ups.model").as_deref(), Some("Back-UPS \u{e9}"));
    }

    #[test]
    fn broadcasts_only_changes_and_honours_nobroadcast() {
        let d = Dstate::new();
        let (tx1, mut rx1) = mpsc::channel(16);
        let (tx2, mut rx2) = mpsc::channel(16);
        let a = d.add_reader(reader(tx1));
        let b = d.add_reader(reader(tx2));
        d.set_broadcast(b, false);
        assert!(d.setinfo("ups.status", "OL"));
        assert!(!d.setinfo("ups.status", "ol"));
        assert_eq!(
            &*rx1.try_recv().expect("line"),
            "SETINFO ups.status \"OL\"\n"
        );
        assert!(rx1.try_recv().is_err());
        assert!(rx2.try_recv().is_err());
        assert!(d.reply_with(b, |s| s.dump_all()));
        assert_eq!(
            &*rx2.try_recv().expect("dump"),
            "DATASTALE\nSETINFO ups.status \"OL\"\nDUMPDONE\n"
        );
        d.remove_reader(a);
        assert_eq!(d.reader_count(), 1);
    }

    #[test]
    fn a_closed_reader_is_dropped_on_broadcast() {
        let d = Dstate::new();
        let (tx, rx) = mpsc::channel(1);
        d.add_reader(reader(tx));
        drop(rx);
        assert!(d.setinfo("a", "1"));
        assert_eq!(d.reader_count(), 0);
    }

    /// A dump asked for while an update is under way shows all of it, or (had it come
    /// first) none of it; never only the first change.
    #[test]
    fn a_dump_never_shows_half_an_update() {
        let d = Dstate::new();
        d.setinfo("ups.status", "OL");
        d.setinfo("battery.charge", "100");
        let (tx, mut rx) = mpsc::channel(16);
        let id = d.add_reader(reader(tx));
        d.set_broadcast(id, false);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let dumper = {
            let d = d.clone();
            std::thread::spawn(move || {
                started_rx.recv().expect("the update started");
                assert!(d.reply_with(id, |s| s.dump_all()));
            })
        };
        d.update(|d| {
            d.setinfo("ups.status", "OB");
            started_tx.send(()).expect("dumper waiting");
            // Not synchronisation: the dump may or may not reach the lock within these
            // 100 ms; either way it must not see OB without 80. Without the lock it runs
            // now, between the two changes, and the test fails.
            std::thread::sleep(std::time::Duration::from_millis(100));
            d.setinfo("battery.charge", "80");
        });
        dumper.join().expect("dumper");
        let dump = rx.try_recv().expect("dump");
        assert!(
            dump.contains("SETINFO ups.status \"OB\"")
                && dump.contains("SETINFO battery.charge \"80\""),
            "{dump}"
        );
    }

    fn reader(tx: mpsc::Sender<Chunk>) -> ReaderTx {
        ReaderTx::new(
            tx,
            Arc::new(AtomicUsize::new(0)),
            None,
            Arc::new(tokio::sync::Notify::new()),
        )
    }

    /// A reader that asks for dumps and never reads is dropped once its queue holds more
    /// than the byte budget, although it is far from the chunk limit.
    #[test]
    fn a_reader_over_its_byte_budget_is_dropped() {
        let d = Dstate::new();
        for i in 0..10 {
            d.setinfo(&format!("ups.note{i}"), &"x".repeat(200));
        }
        let (tx, _rx) = mpsc::channel(READER_QUEUE);
        let queued = Arc::new(AtomicUsize::new(0));
        let id = d.add_reader(ReaderTx::new(
            tx,
            queued.clone(),
            None,
            Arc::new(tokio::sync::Notify::new()),
        ));
        let mut dumps = 0;
        while d.reply_with(id, |s| s.dump_all()) {
            dumps += 1;
            assert!(dumps < READER_QUEUE, "never dropped");
        }
        assert_eq!(d.reader_count(), 0);
        assert!(queued.load(Ordering::Relaxed) <= READER_QUEUE_BYTES);
        assert!(dumps > 100, "{dumps} dumps before the budget ran out");
    }

    #[test]
    fn status_and_alarm_helpers() {
        let d = Dstate::new();
        d.status_init();
        d.status_set("OB");
        d.status_set("LB OB");
        d.status_commit();
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OB LB"));
        d.alarm_init();
        d.alarm_set("[too warm]");
        d.alarm_set("[fan]");
        d.alarm_commit();
        d.status_init();
        d.status_set("OL");
        d.status_commit();
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("ALARM OL"));
        assert_eq!(d.getinfo("ups.alarm").as_deref(), Some("[too warm] [fan]"));
        d.alarm_init();
        d.alarm_commit();
        d.status_commit();
        assert_eq!(d.getinfo("ups.alarm"), None);
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OL"));
        d.set_ignorelb(true);
        d.setinfo("battery.charge", "10");
        d.setinfo("battery.charge.low", "20");
        d.status_init();
        d.status_set("OB LB");
        d.status_commit();
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OB LB"));
        d.setinfo("battery.charge", "50");
        d.status_init();
        d.status_set("OB LB");
        d.status_commit();
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OB"));
    }

    #[test]
    fn long_values_are_cut_like_c() {
        let d = Dstate::new();
        d.setinfo("x", &"a".repeat(400));
        assert_eq!(d.getinfo("x").map(|v| v.len()), Some(255));
        d.setinfo("ovr", "1");
        assert!(d.set_immutable("ovr"));
        assert!(!d.setinfo("ovr", "2"));
    }
}
