// @generated automatically by Diesel CLI.

diesel::table! {
    access_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        name -> Text,
        secret_hash -> Bytea,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Int8,
        uploader_id -> Int8,
        purpose -> Text,
        conversation_id -> Nullable<Int8>,
        message_id -> Nullable<Int8>,
        position -> Int2,
        state -> Text,
        storage_key -> Text,
        filename -> Text,
        declared_size -> Int8,
        voice -> Bool,
        waveform -> Nullable<Bytea>,
        kind -> Nullable<Text>,
        content_type -> Nullable<Text>,
        byte_size -> Nullable<Int8>,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        placeholder -> Nullable<Text>,
        duration_ms -> Nullable<Int4>,
        thumbnail_type -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    blocks (blocker_id, blocked_id) {
        blocker_id -> Int8,
        blocked_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    contacts (owner_id, contact_id) {
        owner_id -> Int8,
        contact_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (id) {
        id -> Int8,
        kind -> Text,
        name -> Nullable<Text>,
        topic -> Nullable<Text>,
        visibility -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        last_activity_at -> Timestamptz,
        direct_key -> Nullable<Text>,
        pins_admin_only -> Bool,
    }
}

diesel::table! {
    delivered_positions (conversation_id, user_id) {
        conversation_id -> Int8,
        user_id -> Int8,
        message_id -> Int8,
        tx -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> Int8,
        tx -> Int8,
        conversation_id -> Int8,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_failures (user_id, ip) {
        user_id -> Int8,
        ip -> Text,
        failures -> Int4,
        window_start -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    media_garbage (id) {
        id -> Int8,
        storage_key -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    members (conversation_id, user_id) {
        conversation_id -> Int8,
        user_id -> Int8,
        role -> Text,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    messages (id) {
        id -> Int8,
        conversation_id -> Int8,
        sender_id -> Int8,
        body -> Nullable<Text>,
        client_id -> Text,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        tx -> Int8,
        reply_to_id -> Nullable<Int8>,
        pinned_at -> Nullable<Timestamptz>,
        pinned_by -> Nullable<Int8>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        tx -> Int8,
        user_id -> Int8,
        kind -> Text,
        conversation_id -> Int8,
        message_id -> Int8,
        actor_id -> Int8,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Int8,
        user_id -> Int8,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reactions (message_id, user_id, emoji) {
        message_id -> Int8,
        user_id -> Int8,
        emoji -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    read_positions (conversation_id, user_id) {
        conversation_id -> Int8,
        user_id -> Int8,
        message_id -> Int8,
        tx -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        user_id -> Int8,
        secret_hash -> Bytea,
        generation -> Int4,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        handle -> Text,
        previous_secret_hash -> Nullable<Bytea>,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        username -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        bio -> Nullable<Text>,
        deleted_at -> Nullable<Timestamptz>,
        avatar_id -> Nullable<Int8>,
    }
}

diesel::joinable!(access_tokens -> users (user_id));
diesel::joinable!(attachments -> conversations (conversation_id));
diesel::joinable!(attachments -> messages (message_id));
diesel::joinable!(attachments -> users (uploader_id));
diesel::joinable!(conversations -> users (created_by));
diesel::joinable!(delivered_positions -> conversations (conversation_id));
diesel::joinable!(delivered_positions -> users (user_id));
diesel::joinable!(events -> conversations (conversation_id));
diesel::joinable!(login_failures -> users (user_id));
diesel::joinable!(members -> conversations (conversation_id));
diesel::joinable!(members -> users (user_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(notifications -> conversations (conversation_id));
diesel::joinable!(notifications -> messages (message_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(reactions -> messages (message_id));
diesel::joinable!(reactions -> users (user_id));
diesel::joinable!(read_positions -> conversations (conversation_id));
diesel::joinable!(read_positions -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_tokens,
    attachments,
    blocks,
    contacts,
    conversations,
    delivered_positions,
    events,
    login_failures,
    media_garbage,
    members,
    messages,
    notifications,
    password_resets,
    reactions,
    read_positions,
    sessions,
    users,
);
