DROP TABLE userdesk_thirdparty_links;
