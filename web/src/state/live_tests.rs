use super::*;

fn user(id: &str, name: &str) -> UserRef {
    UserRef {
        id: id.to_owned(),
        username: name.to_lowercase(),
        display_name: name.to_owned(),
        avatar_url: None,
    }
}

fn typing(conv: &str, u: &UserRef, on: bool) -> LiveAction {
    LiveAction::Typing { conversation_id: conv.to_owned(), user: u.clone(), typing: on }
}

fn notification(id: &str, conv: &str) -> NotificationItem {
    NotificationItem {
        id: id.to_owned(),
        kind: NotificationKind::Mention,
        actor: "Alice".to_owned(),
        conversation_id: Some(conv.to_owned()),
        conversation_title: "#general".to_owned(),
        body: Some("hi @bob".to_owned()),
        created_at: format!("2026-01-01T00:00:0{id}Z"),
        read: false,
    }
}

#[test]
fn typing_line_wording() {
    assert_eq!(typing_line(&[]), None);
    assert_eq!(typing_line(&["Ann"]).as_deref(), Some("Ann is typing…"));
    assert_eq!(typing_line(&["Ann", "Bob"]).as_deref(), Some("Ann and Bob are typing…"));
    assert_eq!(typing_line(&["Ann", "Bob", "Cy"]).as_deref(), Some("Ann, Bob and Cy are typing…"));
    assert_eq!(typing_line(&["A", "B", "C", "D"]).as_deref(), Some("A, B and 2 others are typing…"));
}

#[test]
fn typists_come_and_go_per_conversation() {
    let (ann, bob) = (user("1", "Ann"), user("2", "Bob"));
    let mut s = LiveState::default();
    assert!(s.apply(typing("c1", &ann, true)));
    assert!(!s.apply(typing("c1", &ann, true)), "a renewal changes nothing");
    assert!(s.apply(typing("c1", &bob, true)));
    assert_eq!(s.typing_line("c1").as_deref(), Some("Ann and Bob are typing…"));
    assert_eq!(s.typing_line("c2"), None);
    assert!(s.apply(typing("c1", &ann, false)));
    assert_eq!(s.typing_line("c1").as_deref(), Some("Bob is typing…"));
    assert!(s.apply(typing("c1", &bob, false)));
    assert_eq!(s.typing_line("c1"), None);
    assert!(s.typing.is_empty());
    assert!(!s.apply(typing("c1", &bob, false)), "a stop for nobody changes nothing");
    assert!(s.typing.is_empty());
}

#[test]
fn losing_the_connection_forgets_typists() {
    let mut s = LiveState::default();
    s.apply(typing("c1", &user("1", "Ann"), true));
    assert!(!s.apply(LiveAction::Connection(ConnectionState::Online)));
    assert!(s.apply(LiveAction::Connection(ConnectionState::Offline)));
    assert_eq!(s.typing_line("c1"), None);
}

#[test]
fn presence_updates() {
    let mut s = LiveState::default();
    assert!(!s.is_online("1"));
    assert!(s.apply(LiveAction::Presence { user_id: "1".to_owned(), online: true }));
    assert!(!s.apply(LiveAction::Presence { user_id: "1".to_owned(), online: true }));
    assert!(s.is_online("1"));
    assert!(s.apply(LiveAction::Presence { user_id: "1".to_owned(), online: false }));
    assert!(!s.is_online("1"));
}

#[test]
fn notifications_count_toast_and_read() {
    let mut s = LiveState::default();
    s.apply(LiveAction::Opened("open".to_owned()));
    assert!(s.apply(LiveAction::NotificationArrived(notification("1", "other"))));
    assert!(!s.apply(LiveAction::NotificationArrived(notification("1", "other"))), "duplicates dropped");
    assert_eq!(s.unread_notifications, 1);
    assert_eq!(s.toasts.len(), 1);
    assert_eq!(s.toasts[0].text, "Alice mentioned you in #general");
    assert!(s.apply(LiveAction::NotificationArrived(notification("2", "open"))));
    assert_eq!(s.unread_notifications, 2);
    assert_eq!(s.toasts.len(), 1, "no toast for the conversation on screen");
    assert_eq!(s.notifications[0].id, "2", "newest first");

    let toast = s.toasts[0].id;
    assert!(s.apply(LiveAction::DismissToast(toast)));
    assert!(s.toasts.is_empty());

    s.apply(LiveAction::NotificationsRead { ids: Some(vec!["1".to_owned()]), unread: 1 });
    assert!(s.notifications.iter().any(|n| n.id == "1" && n.read));
    assert!(s.notifications.iter().any(|n| n.id == "2" && !n.read));
    s.apply(LiveAction::NotificationsRead { ids: None, unread: 0 });
    assert!(s.notifications.iter().all(|n| n.read));
    assert_eq!(s.unread_notifications, 0);
}

#[test]
fn loading_keeps_live_arrivals() {
    let mut s = LiveState::default();
    s.apply(LiveAction::NotificationArrived(notification("3", "c")));
    s.apply(LiveAction::NotificationsLoaded { items: vec![notification("1", "c")], unread: 2 });
    let ids: Vec<&str> = s.notifications.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["3", "1"]);
    assert_eq!(s.unread_notifications, 2);
}

#[test]
fn typing_signal_renews_and_stops() {
    let mut t = TypingSignal::default();
    assert_eq!(t.on_input(0.0, false), Some(true));
    assert_eq!(t.on_input(1_000.0, false), None);
    assert_eq!(t.on_input(2_600.0, false), Some(true), "renewed after 2.5 s");
    assert_eq!(t.on_input(3_000.0, true), Some(false), "cleared");
    assert_eq!(t.on_input(3_100.0, true), None);
    assert_eq!(t.stop(), None);
    assert_eq!(t.on_input(4_000.0, false), Some(true));
    t.sent();
    assert_eq!(t.stop(), None, "the server ended it with the message");
    assert_eq!(t.on_input(4_100.0, false), Some(true));
    assert_eq!(t.stop(), Some(false), "blur");
}

#[test]
fn unread_notifications_of_a_conversation() {
    let mut s = LiveState::default();
    s.apply(LiveAction::NotificationArrived(notification("1", "c1")));
    s.apply(LiveAction::NotificationArrived(notification("2", "c2")));
    s.apply(LiveAction::NotificationArrived(notification("3", "c1")));
    assert_eq!(s.unread_notifications_in("c1"), ["3", "1"]);
    s.apply(LiveAction::NotificationsRead { ids: Some(vec!["3".to_owned(), "1".to_owned()]), unread: 1 });
    assert!(s.unread_notifications_in("c1").is_empty());
    assert_eq!(s.unread_notifications_in("c2"), ["2"]);
}

#[test]
fn typists_are_forgotten_when_the_conversation_closes() {
    let ann = user("1", "Ann");
    let mut s = LiveState::default();
    s.apply(LiveAction::Opened("c1".to_owned()));
    s.apply(typing("c1", &ann, true));
    // The next page opens before the old one closes.
    s.apply(LiveAction::Opened("c2".to_owned()));
    assert_eq!(s.typing_line("c1"), None);
    s.apply(typing("c2", &ann, true));
    assert!(!s.apply(LiveAction::Closed("c1".to_owned())), "the late close changes nothing");
    assert!(s.typing_line("c2").is_some());
    assert_eq!(s.open_conversation.as_deref(), Some("c2"));
    assert!(s.apply(LiveAction::Closed("c2".to_owned())));
    assert_eq!(s.typing_line("c2"), None);
    assert_eq!(s.open_conversation, None);
}
