from django.urls import path

from charter import audit_views, people_views, register_views, signature_views, signing_views, views

app_name = "charter"

urlpatterns = [
    # Your organisations (private)
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/charter/", signature_views.organisation_charter, name="organisation-charter"),
    path("organisations/<int:pk>/charter/certificate.pdf", signature_views.certificate, name="certificate"),
    # Managing an organisation's people and details (its admins, or an ICB admin)
    path("organisations/<int:pk>/edit/", people_views.edit_organisation, name="organisation-edit"),
    path("organisations/<int:pk>/people/", people_views.people, name="people"),
    path("organisations/<int:pk>/people/invite/", people_views.invite, name="people-invite"),
    path("organisations/<int:pk>/people/<int:membership_pk>/role/", people_views.change_role, name="people-role"),
    path("organisations/<int:pk>/people/<int:membership_pk>/remove/", people_views.remove, name="people-remove"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/resend/",
        people_views.resend_invitation, name="invitation-resend",
    ),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        people_views.cancel_invitation, name="invitation-cancel",
    ),
    path("invitations/<str:token>/", people_views.accept_invitation, name="invitation"),
    path("signatures/<int:pk>/withdraw/", signature_views.withdraw, name="withdraw"),
    path("signatures/<int:pk>/resend/", signature_views.resend, name="resend"),
    # The Charter and signing it (public)
    path("register/verify/", register_views.verify_certificate, name="register-verify"),
    path("charter/", register_views.charter, name="charter"),
    path("charter/versions/<int:number>/", register_views.charter, name="charter-version"),
    path("charter/sign/", signing_views.sign_start, name="sign-start"),
    path("charter/sign/choose/", signing_views.sign_choose, name="sign-choose"),
    path("charter/sign/sent/", signing_views.sign_sent, name="sign-sent"),
    path(
        "charter/sign/steps/<str:step>/",
        signing_views.SigningWizard.as_view(url_name="charter:sign-step", done_step_name="finished"),
        name="sign-step",
    ),
    path(
        "charter/sign/steps/",
        signing_views.SigningWizard.as_view(url_name="charter:sign-step", done_step_name="finished"),
        name="sign-steps",
    ),
    path("charter/confirm/<str:token>/", signing_views.confirm, name="confirm"),
    # The public register
    path("register/", register_views.register, name="register"),
    path("register/export.csv", register_views.register_csv, name="register-csv"),
    path("register/export.json", register_views.register_json, name="register-json"),
    path("register/<slug:slug>/", register_views.register_entry, name="register-entry"),
    # The ICB's view of signatures
    path("icb/signatures/", signature_views.signatures, name="signatures"),
    path("icb/signatures/<int:pk>/moderate/", signature_views.moderate, name="moderate"),
    path("icb/signatures/<int:pk>/accept-email/", signature_views.accept_email, name="accept-email"),
    path("icb/signatures/<int:pk>/resend/", signature_views.icb_resend, name="icb-resend"),
    # The audit log (ICB admins)
    path("icb/audit/", audit_views.audit_log, name="audit-log"),
    path("icb/audit/export.csv", audit_views.audit_log_csv, name="audit-log-csv"),
]
