//! The composer's uploads: one chip per file, from "uploading" to a finished
//! attachment id (or an error), changed only through [`UploadAction`]s so the rules
//! (when send is allowed, what it sends) are tested natively.

use std::rc::Rc;

use yew::Reducible;

use super::media::{Attachment, AttachmentKind};

/// Where one upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadStatus {
    /// Asking the server for an upload URL, or sending the bytes.
    Uploading,
    /// Stored: the attachment can be sent.
    Done,
    /// Refused or failed; the text says why.
    Failed(String),
}

/// One file in the composer.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadItem {
    /// Local key (also keys the XHR that carries it).
    pub key: u32,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Bytes sent so far, 0.0..=1.0.
    pub progress: f64,
    /// State.
    pub status: UploadStatus,
    /// A recorded voice note: sent on its own as soon as it is stored.
    pub voice: bool,
    /// The attachment as the pending message shows it (local preview URL, then the id).
    pub attachment: Attachment,
}

/// The composer's uploads, in the order they were added.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uploads {
    /// The chips.
    pub items: Vec<UploadItem>,
}

/// A change to [`Uploads`].
#[derive(Debug, Clone, PartialEq)]
pub enum UploadAction {
    /// A file was picked, dropped, pasted or recorded.
    Added(Box<UploadItem>),
    /// Upload progress of one file.
    Progress(u32, f64),
    /// The server stored the file.
    Done {
        /// Which chip.
        key: u32,
        /// The attachment's global id.
        id: String,
        /// What the server found it to be.
        kind: AttachmentKind,
    },
    /// The upload failed.
    Failed(u32, String),
    /// The chip was removed (cancelled, or a failed one dismissed).
    Removed(u32),
    /// These chips were sent.
    Sent(Vec<u32>),
}

impl Uploads {
    fn item_mut(&mut self, key: u32) -> Option<&mut UploadItem> {
        self.items.iter_mut().find(|i| i.key == key)
    }

    /// Finished uploads the next send takes (voice notes go on their own).
    pub fn ready(&self) -> Vec<&UploadItem> {
        self.items.iter().filter(|i| i.status == UploadStatus::Done && !i.voice).collect()
    }

    /// Whether Send does something: text, or at least one finished upload.
    pub fn can_send(&self, text: &str) -> bool {
        !text.trim().is_empty() || !self.ready().is_empty()
    }

    /// Whether any upload is still running.
    pub fn busy(&self) -> bool {
        self.items.iter().any(|i| i.status == UploadStatus::Uploading)
    }

    /// A finished voice note waiting to be sent, if any.
    pub fn voice_ready(&self) -> Option<&UploadItem> {
        self.items.iter().find(|i| i.voice && i.status == UploadStatus::Done)
    }
}

impl Reducible for Uploads {
    type Action = UploadAction;

    fn reduce(self: Rc<Self>, action: UploadAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            UploadAction::Added(item) => next.items.push(*item),
            UploadAction::Progress(key, fraction) => match next.item_mut(key) {
                Some(i) if i.status == UploadStatus::Uploading => i.progress = fraction.clamp(0.0, 1.0),
                _ => return self,
            },
            UploadAction::Done { key, id, kind } => match next.item_mut(key) {
                Some(i) if i.status == UploadStatus::Uploading => {
                    i.status = UploadStatus::Done;
                    i.progress = 1.0;
                    i.attachment.id = id;
                    i.attachment.kind = kind;
                }
                _ => return self,
            },
            UploadAction::Failed(key, reason) => match next.item_mut(key) {
                Some(i) if i.status == UploadStatus::Uploading => i.status = UploadStatus::Failed(reason),
                _ => return self,
            },
            UploadAction::Removed(key) => next.items.retain(|i| i.key != key),
            UploadAction::Sent(keys) => next.items.retain(|i| !keys.contains(&i.key)),
        }
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: u32, voice: bool) -> UploadItem {
        UploadItem {
            key,
            name: format!("f{key}"),
            size: 10,
            progress: 0.0,
            status: UploadStatus::Uploading,
            voice,
            attachment: Attachment::default(),
        }
    }

    fn run(actions: Vec<UploadAction>) -> Rc<Uploads> {
        actions.into_iter().fold(Rc::new(Uploads::default()), |s, a| s.reduce(a))
    }

    #[test]
    fn send_needs_text_or_a_finished_upload() {
        let s = run(vec![UploadAction::Added(Box::new(item(1, false))), UploadAction::Progress(1, 0.5)]);
        assert!(!s.can_send("  "));
        assert!(s.can_send("hi"));
        assert!(s.busy());
        assert_eq!(s.items[0].progress, 0.5);
        let kind = AttachmentKind::Image;
        let s = s.reduce(UploadAction::Done { key: 1, id: "A1".into(), kind });
        assert!(s.can_send(""));
        assert!(!s.busy());
        assert_eq!(s.ready()[0].attachment.id, "A1");
        assert_eq!(s.ready()[0].attachment.kind, AttachmentKind::Image);
        let s = s.reduce(UploadAction::Sent(vec![1]));
        assert!(s.items.is_empty());
    }

    #[test]
    fn failures_stay_on_the_chip_and_late_events_are_ignored() {
        let s = run(vec![
            UploadAction::Added(Box::new(item(1, false))),
            UploadAction::Failed(1, "File too large".into()),
            UploadAction::Progress(1, 0.9),
            UploadAction::Done { key: 1, id: "A".into(), kind: AttachmentKind::File },
        ]);
        assert_eq!(s.items[0].status, UploadStatus::Failed("File too large".into()));
        assert!(!s.can_send(""));
        let s = s.reduce(UploadAction::Removed(1));
        assert!(s.items.is_empty());
        let same = s.clone().reduce(UploadAction::Progress(7, 0.1));
        assert!(Rc::ptr_eq(&s, &same));
    }

    #[test]
    fn voice_notes_are_not_taken_by_a_text_send() {
        let s = run(vec![
            UploadAction::Added(Box::new(item(1, true))),
            UploadAction::Done { key: 1, id: "V".into(), kind: AttachmentKind::Audio },
        ]);
        assert!(s.ready().is_empty());
        assert_eq!(s.voice_ready().map(|i| i.key), Some(1));
    }
}
