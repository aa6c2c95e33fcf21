"""The store's schema, as an ordered list of migrations.

The large tables (raw_payloads, profile_snapshots, posts, post_entities) have natural keys but
no index: the writer enforces the keys (store/writer.py), which keeps bulk loads fast and memory
flat; the small tables keep their primary keys.

Each migration runs once, in a transaction, and is recorded in ``schema_migrations``. Never edit
a released migration: add the next one. The public tables are documented in docs/data-model.md.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "public tables: actors, accounts, profile_snapshots, posts, post_entities; raw payloads; runs",
        """
        CREATE TABLE actors (
            actor_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            institutional BOOLEAN NOT NULL,
            state VARCHAR NOT NULL,
            host_country VARCHAR,
            host_city VARCHAR,
            organisation VARCHAR,
            person VARCHAR,
            tenure_start VARCHAR,
            tenure_end VARCHAR,
            languages VARCHAR[],
            tags VARCHAR[],
            source VARCHAR,
            notes VARCHAR,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE TABLE accounts (
            platform VARCHAR NOT NULL,
            handle VARCHAR NOT NULL,
            user_id VARCHAR,
            user_key VARCHAR NOT NULL,
            actor_id VARCHAR NOT NULL,
            source VARCHAR,
            notes VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (platform, handle)
        );
        CREATE TABLE raw_payloads (
            raw_id VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            file VARCHAR,
            line BIGINT,
            retrieved_at TIMESTAMP,
            size BIGINT NOT NULL,
            codec VARCHAR NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE TABLE profile_snapshots (
            platform VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            observed_at TIMESTAMP NOT NULL,
            handle VARCHAR,
            display_name VARCHAR,
            description VARCHAR,
            location VARCHAR,
            created_at TIMESTAMP,
            followers BIGINT,
            following BIGINT,
            posts_count BIGINT,
            verified BOOLEAN,
            status VARCHAR NOT NULL,
            source VARCHAR,
            provenance STRUCT(
                source VARCHAR, file VARCHAR, line BIGINT, raw_id VARCHAR, pointer VARCHAR, run_id BIGINT
            )
        );
        CREATE TABLE posts (
            platform VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL,
            author_id VARCHAR,
            author_handle VARCHAR,
            created_at TIMESTAMP,
            text VARCHAR,
            lang VARCHAR,
            kind VARCHAR NOT NULL,
            reposted_post_id VARCHAR,
            reposted_author_id VARCHAR,
            quoted_post_id VARCHAR,
            quoted_author_id VARCHAR,
            replied_to_post_id VARCHAR,
            replied_to_author_id VARCHAR,
            conversation_id VARCHAR,
            like_count BIGINT,
            repost_count BIGINT,
            reply_count BIGINT,
            quote_count BIGINT,
            metrics_observed_at TIMESTAMP,
            source_client VARCHAR,
            deleted_at TIMESTAMP,
            provenance STRUCT(
                source VARCHAR, file VARCHAR, line BIGINT, raw_id VARCHAR, pointer VARCHAR, run_id BIGINT
            ),
            first_seen_at TIMESTAMP NOT NULL
        );
        CREATE TABLE post_entities (
            platform VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            normalized VARCHAR NOT NULL
        );
        CREATE TABLE api_errors (
            error_id VARCHAR PRIMARY KEY,
            first_run_id BIGINT NOT NULL,
            platform VARCHAR NOT NULL,
            file VARCHAR,
            line BIGINT,
            title VARCHAR,
            detail VARCHAR,
            resource_type VARCHAR,
            resource_id VARCHAR,
            raw VARCHAR
        );
        CREATE SEQUENCE run_ids START 1;
        CREATE TABLE runs (
            run_id BIGINT PRIMARY KEY,
            kind VARCHAR NOT NULL,
            command VARCHAR,
            status VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            duration_s DOUBLE,
            files VARCHAR[],
            formats VARCHAR[],
            posts_new BIGINT,
            posts_updated BIGINT,
            profiles_new BIGINT,
            entities_new BIGINT,
            api_errors BIGINT,
            skipped BIGINT,
            error VARCHAR
        );
        CREATE TABLE run_skips (
            run_id BIGINT NOT NULL,
            file VARCHAR NOT NULL,
            line BIGINT,
            reason VARCHAR NOT NULL
        );
        """,
    ),
    (
        2,
        "live collection: collection_runs, collection_cursors, collection_seen, account_events, engagements",
        """
        CREATE TABLE collection_runs (
            run_id BIGINT NOT NULL,
            platform VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status VARCHAR NOT NULL,
            accounts BIGINT,
            requests BIGINT,
            items BIGINT,
            waits BIGINT,
            wait_s DOUBLE,
            errors BIGINT,
            estimated_cost DOUBLE,
            budget DOUBLE,
            stop_reason VARCHAR,
            PRIMARY KEY (run_id, platform)
        );
        CREATE TABLE collection_cursors (
            platform VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            endpoint VARCHAR NOT NULL,
            high_id VARCHAR,
            high_at TIMESTAMP,
            sweep_open BOOLEAN NOT NULL,
            sweep_cursor VARCHAR,
            sweep_since_id VARCHAR,
            sweep_since_at TIMESTAMP,
            sweep_started_at TIMESTAMP,
            sweep_high_id VARCHAR,
            sweep_high_at TIMESTAMP,
            sweep_low_at TIMESTAMP,
            sweep_pages BIGINT,
            sweep_failures INTEGER NOT NULL DEFAULT 0,
            last_complete_at TIMESTAMP,
            updated_at TIMESTAMP NOT NULL,
            run_id BIGINT,
            PRIMARY KEY (platform, user_id, endpoint)
        );
        CREATE TABLE collection_seen (
            platform VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            endpoint VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL
        );
        CREATE TABLE account_events (
            platform VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            observed_at TIMESTAMP NOT NULL,
            event VARCHAR NOT NULL,
            old_value VARCHAR,
            new_value VARCHAR,
            run_id BIGINT
        );
        CREATE TABLE engagements (
            platform VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            actor_user_id VARCHAR NOT NULL,
            actor_handle VARCHAR,
            engaged_at TIMESTAMP,
            engagement_post_id VARCHAR,
            observed_at TIMESTAMP NOT NULL,
            provenance STRUCT(
                source VARCHAR, file VARCHAR, line BIGINT, raw_id VARCHAR, pointer VARCHAR, run_id BIGINT
            ),
            PRIMARY KEY (platform, post_id, kind, actor_user_id)
        );
        """,
    ),
    (
        3,
        "enrichment: post_enrichment, the posts_enriched and post_mentions views",
        """
        CREATE TABLE post_enrichment (
            platform VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL,
            enrichment_version VARCHAR NOT NULL,
            lang_detected VARCHAR,
            lang_confidence DOUBLE,
            topics VARCHAR[],
            tone_label VARCHAR,
            tone_score DOUBLE,
            tone_cues VARCHAR[],
            domains VARCHAR[],
            state_media VARCHAR[],
            state_media_via VARCHAR[],
            terms VARCHAR[],
            enriched_at TIMESTAMP NOT NULL
        );
        CREATE VIEW posts_enriched AS
            SELECT p.*, e.lang_detected, e.lang_confidence, e.topics, e.tone_label, e.tone_score, e.tone_cues,
                   e.domains, e.state_media, e.state_media_via, e.terms, e.enrichment_version
            FROM posts p LEFT JOIN post_enrichment e USING (platform, post_id);
        CREATE VIEW post_mentions AS
            SELECT pe.platform, pe.post_id, pe.value AS mention, pe.normalized, a.handle AS account_handle,
                   a.user_id AS account_user_id, a.actor_id, ac.kind AS actor_kind,
                   ac.institutional AS actor_institutional
            FROM post_entities pe
            LEFT JOIN accounts a ON a.platform = pe.platform AND lower(a.handle) = pe.normalized
            LEFT JOIN actors ac ON ac.actor_id = a.actor_id
            WHERE pe.type = 'mention';
        """,
    ),
    (
        4,
        "networks: follow_edges",
        """
        CREATE TABLE follow_edges (
            platform VARCHAR NOT NULL,
            follower_id VARCHAR NOT NULL,
            followed_id VARCHAR NOT NULL,
            follower_handle VARCHAR,
            followed_handle VARCHAR,
            observed_at TIMESTAMP NOT NULL,
            source VARCHAR,
            provenance STRUCT(
                source VARCHAR, file VARCHAR, line BIGINT, raw_id VARCHAR, pointer VARCHAR, run_id BIGINT
            )
        );
        """,
    ),
    (
        5,
        "roster history: actor_history, account_history; the roster file behind each actor and account",
        """
        ALTER TABLE actors ADD COLUMN roster_file VARCHAR;
        ALTER TABLE accounts ADD COLUMN roster_file VARCHAR;
        CREATE TABLE actor_history (
            actor_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            institutional BOOLEAN NOT NULL,
            state VARCHAR NOT NULL,
            host_country VARCHAR,
            host_city VARCHAR,
            organisation VARCHAR,
            person VARCHAR,
            tenure_start VARCHAR,
            tenure_end VARCHAR,
            languages VARCHAR[],
            tags VARCHAR[],
            source VARCHAR,
            notes VARCHAR,
            valid_from TIMESTAMP NOT NULL,
            valid_to TIMESTAMP NOT NULL,
            roster_file VARCHAR,
            replaced_by VARCHAR
        );
        CREATE TABLE account_history (
            platform VARCHAR NOT NULL,
            handle VARCHAR NOT NULL,
            user_id VARCHAR,
            user_key VARCHAR NOT NULL,
            actor_id VARCHAR NOT NULL,
            source VARCHAR,
            notes VARCHAR,
            valid_from TIMESTAMP NOT NULL,
            valid_to TIMESTAMP NOT NULL,
            roster_file VARCHAR,
            replaced_by VARCHAR
        );
        """,
    ),
    (
        6,
        "rollups: store_state (generation), rollup_posts_day, rollup_topics_day, rollup_entities_day, rollup_refs_day",
        """
        CREATE TABLE store_state (
            id INTEGER PRIMARY KEY,
            store_id VARCHAR NOT NULL,
            generation BIGINT NOT NULL,
            changed_at TIMESTAMP NOT NULL,
            rollups_version VARCHAR,
            rollups_seen VARCHAR
        );
        INSERT INTO store_state VALUES (1, uuid()::VARCHAR, 0, now()::TIMESTAMP, NULL, NULL);
        CREATE TABLE rollup_posts_day (
            platform VARCHAR NOT NULL,
            author_id VARCHAR NOT NULL,
            day DATE,
            kind VARCHAR NOT NULL,
            lang VARCHAR,
            lang_detected VARCHAR,
            tone_label VARCHAR,
            posts BIGINT NOT NULL,
            deleted BIGINT NOT NULL,
            first_at TIMESTAMP,
            last_at TIMESTAMP,
            with_metrics BIGINT NOT NULL,
            engagement HUGEINT
        );
        CREATE TABLE rollup_topics_day (
            platform VARCHAR NOT NULL,
            author_id VARCHAR NOT NULL,
            day DATE,
            kind VARCHAR NOT NULL,
            topic VARCHAR NOT NULL,
            posts BIGINT NOT NULL,
            first_at TIMESTAMP
        );
        CREATE TABLE rollup_entities_day (
            platform VARCHAR NOT NULL,
            author_id VARCHAR NOT NULL,
            day DATE,
            kind VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            normalized VARCHAR NOT NULL,
            posts BIGINT NOT NULL,
            first_at TIMESTAMP
        );
        CREATE TABLE rollup_refs_day (
            platform VARCHAR NOT NULL,
            author_id VARCHAR NOT NULL,
            day DATE,
            ref VARCHAR NOT NULL,
            target_author_id VARCHAR NOT NULL,
            posts BIGINT NOT NULL,
            first_at TIMESTAMP
        );
        """,
    ),
    (
        7,
        "links: link_resolutions (where shortened links lead), post_enrichment.unresolved_links",
        """
        CREATE TABLE link_resolutions (
            url VARCHAR PRIMARY KEY,
            final_url VARCHAR,
            final_domain VARCHAR,
            status VARCHAR NOT NULL,
            http_status INTEGER,
            hops INTEGER NOT NULL,
            error VARCHAR,
            resolved_at TIMESTAMP NOT NULL,
            run_id BIGINT
        );
        ALTER TABLE post_enrichment ADD COLUMN unresolved_links VARCHAR[];
        CREATE OR REPLACE VIEW posts_enriched AS
            SELECT p.*, e.lang_detected, e.lang_confidence, e.topics, e.tone_label, e.tone_score, e.tone_cues,
                   e.domains, e.state_media, e.state_media_via, e.terms, e.enrichment_version, e.unresolved_links
            FROM posts p LEFT JOIN post_enrichment e USING (platform, post_id);
        """,
    ),
    (
        8,
        "posts.view_count: views, for the platforms that count them (Telegram, YouTube)",
        """
        ALTER TABLE posts ADD COLUMN view_count BIGINT;
        CREATE OR REPLACE VIEW posts_enriched AS
            SELECT p.*, e.lang_detected, e.lang_confidence, e.topics, e.tone_label, e.tone_score, e.tone_cues,
                   e.domains, e.state_media, e.state_media_via, e.terms, e.enrichment_version, e.unresolved_links
            FROM posts p LEFT JOIN post_enrichment e USING (platform, post_id);
        """,
    ),
    (
        9,
        "post_edits: a post's text changes, as sources that see edits (Telegram) observed them",
        """
        CREATE TABLE post_edits (
            platform VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL,
            observed_at TIMESTAMP NOT NULL,
            old_text VARCHAR,
            new_text VARCHAR,
            run_id BIGINT,
            PRIMARY KEY (platform, post_id, observed_at)
        );
        """,
    ),
    (
        10,
        "youtube_quota: the Data API units each key used a quota day (keys by a short hash, never the key)",
        """
        CREATE TABLE youtube_quota (
            key_hash VARCHAR NOT NULL,
            day DATE NOT NULL,
            units BIGINT NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (key_hash, day)
        );
        """,
    ),
    (
        11,
        "account_events.detail: why a lookup found an account gone, as the platform or the collector said it",
        """
        ALTER TABLE account_events ADD COLUMN detail VARCHAR;
        """,
    ),
    (
        12,
        "profile labels: the platform's verification type, affiliation and profile link, for discovery",
        """
        ALTER TABLE profile_snapshots ADD COLUMN verified_type VARCHAR;
        ALTER TABLE profile_snapshots ADD COLUMN affiliation VARCHAR;
        ALTER TABLE profile_snapshots ADD COLUMN url VARCHAR;
        """,
    ),
    (
        13,
        "alerts: each alert once (alerts), and its delivery to each channel (alert_deliveries)",
        """
        CREATE TABLE alerts (
            alert_id VARCHAR PRIMARY KEY,
            rule VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            platform VARCHAR,
            handle VARCHAR,
            user_id VARCHAR,
            occurred_at TIMESTAMP,
            fired_at TIMESTAMP NOT NULL,
            run_id BIGINT,
            evidence JSON NOT NULL
        );
        CREATE TABLE alert_deliveries (
            alert_id VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            attempts INTEGER NOT NULL,
            delivered_at TIMESTAMP,
            last_error VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (alert_id, channel)
        );
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]
