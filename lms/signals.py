"""Side effects of account events; the rules themselves live in lms.services."""

from lms.services.people import claim_participant


def join_earlier_participant(sender, request, email_address, **kwargs):
    claim_participant(user=email_address.user)
