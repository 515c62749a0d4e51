"""Log-in, log-out, password change, my account, new accounts (``accounts/...``) and the audit trail (``audit/``).

No namespace: ``login`` and ``logout`` are the names Django and the base template use.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/me/", views.account, name="account"),
    path("accounts/users/", views.users, name="users"),
    path("audit/", views.audit, name="audit"),
]
