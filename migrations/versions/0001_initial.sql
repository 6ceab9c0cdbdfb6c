-- The first schema of the local cache (docs/architecture.md, Data). Mirrors deskapp/store/schema.py;
-- tests/store/test_migrations.py checks the two never drift apart.
CREATE TABLE account (
	id INTEGER NOT NULL, 
	kind TEXT NOT NULL, 
	name TEXT NOT NULL, 
	base_url TEXT DEFAULT '' NOT NULL, 
	settings TEXT DEFAULT '{}' NOT NULL, 
	state TEXT DEFAULT 'unknown' NOT NULL, 
	last_sync INTEGER, 
	last_error TEXT, 
	created_at INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE customer (
	id INTEGER NOT NULL, 
	name TEXT DEFAULT '' NOT NULL, 
	created_at INTEGER, 
	updated_at INTEGER, 
	PRIMARY KEY (id)
);
CREATE TABLE setting (
	"key" TEXT NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE agent (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	name TEXT DEFAULT '' NOT NULL, 
	email TEXT DEFAULT '' NOT NULL, 
	role TEXT DEFAULT 'agent' NOT NULL, 
	is_me INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
);
CREATE TABLE contact (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	customer_id INTEGER NOT NULL, 
	name TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE, 
	FOREIGN KEY(customer_id) REFERENCES customer (id)
);
CREATE INDEX ix_contact_customer ON contact (customer_id);
CREATE TABLE customer_identity (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	kind TEXT NOT NULL, 
	value TEXT NOT NULL, 
	account_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (customer_id, kind, value), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE SET NULL
);
CREATE INDEX ix_identity_value ON customer_identity (kind, value);
CREATE TABLE merge_proposal (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	other_customer_id INTEGER NOT NULL, 
	reason TEXT NOT NULL, 
	state TEXT DEFAULT 'pending' NOT NULL, 
	created_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (customer_id, other_customer_id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(other_customer_id) REFERENCES customer (id) ON DELETE CASCADE
);
CREATE TABLE "order" (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	customer_id INTEGER, 
	number TEXT NOT NULL, 
	placed_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	total FLOAT DEFAULT '0' NOT NULL, 
	currency TEXT DEFAULT '' NOT NULL, 
	financial_status TEXT DEFAULT '' NOT NULL, 
	fulfillment_status TEXT DEFAULT '' NOT NULL, 
	email TEXT DEFAULT '' NOT NULL, 
	phone TEXT DEFAULT '' NOT NULL, 
	tracking_numbers TEXT DEFAULT '[]' NOT NULL, 
	tracking_urls TEXT DEFAULT '[]' NOT NULL, 
	cancelled_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE, 
	FOREIGN KEY(customer_id) REFERENCES customer (id)
);
CREATE INDEX ix_order_customer ON "order" (customer_id, placed_at);
CREATE INDEX ix_order_number ON "order" (number);
CREATE INDEX ix_order_placed ON "order" (placed_at);
CREATE TABLE sync_cursor (
	account_id INTEGER NOT NULL, 
	stream TEXT NOT NULL, 
	value TEXT NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (account_id, stream), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
);
CREATE TABLE team (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	name TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
);
CREATE TABLE template (
	id INTEGER NOT NULL, 
	account_id INTEGER, 
	external_id TEXT, 
	name TEXT NOT NULL, 
	body TEXT NOT NULL, 
	shortcut TEXT DEFAULT '' NOT NULL, 
	scope TEXT DEFAULT 'team' NOT NULL, 
	intents TEXT DEFAULT '[]' NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
);
CREATE TABLE conversation (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	customer_id INTEGER, 
	channel TEXT NOT NULL, 
	inbox_name TEXT DEFAULT '' NOT NULL, 
	subject TEXT DEFAULT '' NOT NULL, 
	snippet TEXT DEFAULT '' NOT NULL, 
	status TEXT NOT NULL, 
	priority TEXT DEFAULT 'none' NOT NULL, 
	assignee_id INTEGER, 
	team_id INTEGER, 
	labels TEXT DEFAULT '[]' NOT NULL, 
	intent TEXT, 
	intent_score FLOAT, 
	urgency TEXT, 
	urgency_score FLOAT, 
	sentiment TEXT, 
	sentiment_score FLOAT, 
	triage_locked INTEGER DEFAULT '0' NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	first_response_at INTEGER, 
	resolved_at INTEGER, 
	last_message_at INTEGER, 
	snoozed_until INTEGER, 
	unread INTEGER DEFAULT '0' NOT NULL, 
	sla_due_at INTEGER, 
	csat INTEGER, 
	message_count INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE, 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	FOREIGN KEY(assignee_id) REFERENCES agent (id) ON DELETE SET NULL, 
	FOREIGN KEY(team_id) REFERENCES team (id) ON DELETE SET NULL
);
CREATE INDEX ix_conversation_assignee ON conversation (assignee_id, status);
CREATE INDEX ix_conversation_channel ON conversation (channel, status);
CREATE INDEX ix_conversation_created ON conversation (created_at);
CREATE INDEX ix_conversation_customer ON conversation (customer_id);
CREATE INDEX ix_conversation_status_last ON conversation (status, last_message_at);
CREATE TABLE order_line (
	id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	quantity INTEGER DEFAULT '1' NOT NULL, 
	sku TEXT DEFAULT '' NOT NULL, 
	unit_price FLOAT DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(order_id) REFERENCES "order" (id) ON DELETE CASCADE
);
CREATE INDEX ix_order_line_order ON order_line (order_id);
CREATE TABLE conversation_event (
	id INTEGER NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	kind TEXT NOT NULL, 
	at INTEGER NOT NULL, 
	agent_id INTEGER, 
	value TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE, 
	FOREIGN KEY(agent_id) REFERENCES agent (id) ON DELETE SET NULL
);
CREATE INDEX ix_event_conversation ON conversation_event (conversation_id, at);
CREATE TABLE conversation_label (
	conversation_id INTEGER NOT NULL, 
	label TEXT NOT NULL, 
	PRIMARY KEY (conversation_id, label), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
);
CREATE INDEX ix_label_label ON conversation_label (label);
CREATE TABLE draft (
	conversation_id INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	is_note INTEGER DEFAULT '0' NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (conversation_id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
);
CREATE TABLE message (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	external_id TEXT NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	direction TEXT NOT NULL, 
	author_name TEXT DEFAULT '' NOT NULL, 
	author_external_id TEXT, 
	text TEXT DEFAULT '' NOT NULL, 
	html TEXT DEFAULT '' NOT NULL, 
	sent_at INTEGER NOT NULL, 
	delivery TEXT DEFAULT 'received' NOT NULL, 
	client_id TEXT, 
	automated INTEGER DEFAULT '0' NOT NULL, 
	has_attachments INTEGER DEFAULT '0' NOT NULL, 
	intent TEXT, 
	urgency TEXT, 
	sentiment TEXT, 
	triage_scores TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE, 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE CASCADE
);
CREATE INDEX ix_message_client_id ON message (client_id);
CREATE INDEX ix_message_conversation ON message (conversation_id, sent_at);
CREATE TABLE survey_response (
	id INTEGER NOT NULL, 
	account_id INTEGER, 
	external_id TEXT NOT NULL, 
	kind TEXT NOT NULL, 
	score INTEGER NOT NULL, 
	conversation_id INTEGER, 
	customer_id INTEGER, 
	at INTEGER NOT NULL, 
	comment TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, external_id), 
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE, 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE SET NULL, 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE SET NULL
);
CREATE INDEX ix_survey_kind_at ON survey_response (kind, at);
CREATE TABLE attachment (
	id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	filename TEXT NOT NULL, 
	content_type TEXT DEFAULT 'application/octet-stream' NOT NULL, 
	size INTEGER DEFAULT '0' NOT NULL, 
	url TEXT DEFAULT '' NOT NULL, 
	sha256 TEXT DEFAULT '' NOT NULL, 
	local_path TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(message_id) REFERENCES message (id) ON DELETE CASCADE
);
CREATE INDEX ix_attachment_message ON attachment (message_id);
CREATE TABLE triage_correction (
	id INTEGER NOT NULL, 
	message_id INTEGER, 
	conversation_id INTEGER, 
	field TEXT NOT NULL, 
	old_value TEXT, 
	new_value TEXT NOT NULL, 
	text TEXT DEFAULT '' NOT NULL, 
	at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(message_id) REFERENCES message (id) ON DELETE SET NULL, 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id) ON DELETE SET NULL
);
-- Full-text search over message text, subject and customer name; kept in step by triggers so every
-- writer (sync, mail import, outbox) indexes what it writes in the same transaction.
CREATE VIRTUAL TABLE message_fts USING fts5(
	text, subject, customer_name,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
CREATE TRIGGER message_fts_ai AFTER INSERT ON message BEGIN
	INSERT INTO message_fts(rowid, text, subject, customer_name)
	SELECT new.id, new.text, c.subject, coalesce(cu.name, '')
	FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id
	WHERE c.id = new.conversation_id;
END;
CREATE TRIGGER message_fts_ad AFTER DELETE ON message BEGIN
	DELETE FROM message_fts WHERE rowid = old.id;
END;
CREATE TRIGGER message_fts_au AFTER UPDATE OF text ON message WHEN old.text IS NOT new.text BEGIN
	DELETE FROM message_fts WHERE rowid = old.id;
	INSERT INTO message_fts(rowid, text, subject, customer_name)
	SELECT new.id, new.text, c.subject, coalesce(cu.name, '')
	FROM conversation c LEFT JOIN customer cu ON cu.id = c.customer_id
	WHERE c.id = new.conversation_id;
END;
