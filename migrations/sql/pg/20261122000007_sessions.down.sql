DROP TABLE userdesk_sessions;
