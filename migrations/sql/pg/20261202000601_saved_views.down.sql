DROP TABLE userdesk_saved_views;
