"""ICB admins rebuild a quarter's snapshot and watch the build (queued, building, done), and
publish a snapshot for the public summary."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from charter.access import icb_admin_required
from reporting.forms import RebuildForm
from reporting.models import Snapshot, SnapshotBuild
from reporting.tasks import request_rebuild
from toms.periods import Quarter


@icb_admin_required
def snapshot_list(request):
    form = RebuildForm(request.POST or None, initial={"quarter": str(Quarter.current().previous())})
    if request.method == "POST" and form.is_valid():
        build = request_rebuild(form.cleaned_data["quarter"], request.user)
        return redirect("reporting:build", build.pk)
    context = {
        "form": form,
        "snapshots": Snapshot.objects.order_by("-year", "-quarter"),
        "builds": SnapshotBuild.objects.select_related("requested_by")[:10],
    }
    return render(request, "reporting/snapshots.html", context, status=400 if form.errors else 200)


@icb_admin_required
def build_status(request, pk):
    build = get_object_or_404(SnapshotBuild, pk=pk)
    snapshot = Snapshot.objects.for_quarter(build.period).first()
    return render(request, "reporting/build.html", {"build": build, "snapshot": snapshot, "finished": build.finished})


@icb_admin_required
@require_POST
def publish(request, pk):
    snapshot = get_object_or_404(Snapshot.objects.built(), pk=pk)
    if request.POST.get("action") == "withdraw":
        snapshot.published_at = None
        snapshot.published_by = None
        messages.success(request, f"{snapshot.period} is no longer published.")
    else:
        snapshot.published_at = timezone.now()
        snapshot.published_by = request.user
        messages.success(request, f"{snapshot.period} is published: the public summary shows it.")
    snapshot.save(update_fields=["published_at", "published_by"])
    return redirect("reporting:snapshots")
