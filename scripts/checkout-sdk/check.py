"""Drives Pasarela's Checkout emulator with Checkout's own Python SDK (checkout-sdk), as a merchant integration would.

Usage: check.py BASE_URL SECRET_KEY   (BASE_URL is the emulator's API, e.g. http://127.0.0.1:8090/checkout)
Exits non-zero, with the step that failed, when the SDK refuses the key or an answer.
"""
import sys
import warnings

from checkout_sdk.checkout_sdk import CheckoutSdk
from checkout_sdk.environment import Environment
from checkout_sdk.exception import CheckoutApiException
from checkout_sdk.payments.payments import (CaptureRequest, PaymentRequest, PaymentRequestCardSource, RefundRequest,
                                            VoidRequest)

warnings.simplefilter("ignore", DeprecationWarning)
base = sys.argv[1].rstrip('/') + '/'
key = sys.argv[2]
# Every host of the SDK's environment points at the emulator; use_legacy_domain keeps the SDK from prefixing a
# merchant subdomain to a loopback address.
env = Environment(base_uri=base, authorization_uri=base + 'connect/token', files_uri=base, transfers_uri=base,
                  balances_uri=base, forward_uri=base, identity_uri=base, is_sandbox=True)
api = CheckoutSdk.builder().secret_key(key).environment(env).use_legacy_domain().build()
print('the SDK accepts the sandbox key')


def card(capture, amount=1000):
    source = PaymentRequestCardSource()
    source.number = '4242424242424242'
    source.expiry_month = 12
    source.expiry_year = 2030
    source.cvv = '100'
    request = PaymentRequest()
    request.source = source
    request.amount = amount
    request.currency = 'PEN'
    request.capture = capture
    request.reference = 'sdk-check'
    return api.payments.request_payment(request)


def check(condition, what):
    if not condition:
        sys.exit('FAILED: ' + what)
    print('ok: ' + what)


held = card(False)
check(held.status == 'Authorized', 'a card source with capture false stays Authorized')
capture = CaptureRequest()
capture.amount = 600
capture.reference = 'cap-1'
captured = api.payments.capture_payment(held.id, capture)
check(captured.http_metadata.status_code == 202 and captured.action_id.startswith('act_'), 'a partial capture is 202 with an action id')
refund = RefundRequest()
refund.amount = 200
refund.reference = 'ref-1'
refunded = api.payments.refund_payment(held.id, refund)
check(refunded.http_metadata.status_code == 202, 'a partial refund is 202')
actions = api.payments.get_payment_actions(held.id)
check([a.type for a in actions.items] == ['Refund', 'Capture', 'Authorization'], 'the actions list the refund, the capture and the authorization')
check(api.payments.get_payment_details(held.id).status == 'Partially Refunded', 'the payment is Partially Refunded')
voidable = card(False)
void = VoidRequest()
void.reference = 'void-1'
api.payments.void_payment(voidable.id, void)
check(api.payments.get_payment_details(voidable.id).status == 'Voided', 'a void ends an authorization')
declined = card(True, 1005)
check(declined.status == 'Declined' and declined.response_code == '20005', 'an amount ending in 05 is declined with 20005')
try:
    api.payments.get_payment_details('pay_missing')
    sys.exit('FAILED: an unknown payment was found')
except CheckoutApiException as error:
    check(error.http_metadata.status_code == 404 and error.error_details == ['payment_not_found']
          and error.http_metadata.headers.get('Cko-Request-Id'), 'a 404 has an error body and a Cko-Request-Id')
stranger = CheckoutSdk.builder().secret_key('sk_sbox_' + 'a' * 27).environment(env).use_legacy_domain().build()
try:
    stranger.payments.get_payment_details(held.id)
    sys.exit('FAILED: another key was accepted')
except CheckoutApiException as error:
    check(error.http_metadata.status_code == 401 and error.error_type == 'authentication_error', 'a wrong key gets 401 with an error body')
print('checkout-sdk works against the emulator')
