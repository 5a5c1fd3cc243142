"""Telling staff about requests: the delivery loop, staff e-mails and outbound webhook events."""
