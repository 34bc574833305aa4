"""Protocols (a plan drawn as a timeline for a chosen session, zone and language, and the
content check) and Stats (charts of delivery, check-in answers, cases and opt-outs)."""

from __future__ import annotations

from console.charts import hbars, score_bars, stacked_bars, timeline_svg
from console.web import Page
from services.console_protocols import PreviewInputError, content_check, protocol_timeline
from services.console_stats import OUTCOMES, console_stats
from services.course_stats import course_figures

ZONES = ("Asia/Kolkata", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Dubai",
         "Australia/Sydney", "UTC")


class ProtocolsHandler(Page):
    def get(self) -> None:
        ctx = self.ctx
        chosen = self.get_query_argument("protocol", "")
        if chosen not in ctx.content.protocols:
            chosen = sorted(ctx.content.protocols)[0]
        form = {
            "protocol": chosen,
            "session": self.get_query_argument("session", "")[:40],
            "zone": self.get_query_argument("zone", "")[:64] or ctx.settings.clinic.timezone,
            "language": self.get_query_argument("language", "")[:8],
        }
        problem, timeline, chart = "", None, None
        try:
            timeline = protocol_timeline(ctx, chosen, session=form["session"],
                                         zone_name=form["zone"], language=form["language"],
                                         now=self.ctx.clock.now())
            chart = timeline_svg(timeline)
        except PreviewInputError as error:
            problem = str(error)
        check = content_check(ctx, self.state.content_dir
                              if self.get_query_argument("check", "") else None)
        zones = sorted({*ZONES, ctx.settings.clinic.timezone})
        self.show("protocols.html", title="Protocols", active="protocols", form=form,
                  protocols=sorted((p.id, p.name.get(ctx.settings.clinic.default_language))
                                   for p in ctx.content.protocols.values()),
                  languages=ctx.settings.clinic.languages, zones=zones, problem=problem,
                  timeline=timeline, chart=chart, check=check,
                  can_check=self.state.content_dir is not None)


class StatsHandler(Page):
    async def get(self) -> None:
        figures = await console_stats(self.ctx, now=self.ctx.clock.now())
        course = await course_figures(self.ctx, now=self.ctx.clock.now())
        reach = hbars([("invited", course.reach.invited), ("joined", course.reach.joined),
                       ("active now", course.reach.active),
                       ("completed a course", course.reach.completed)], "Reach")
        satisfaction = score_bars(
            [(f"{s.procedure} · {s.month.strftime('%b %Y')}", s.average, s.answers)
             for s in course.satisfaction], "Satisfaction per procedure and month")
        courses = hbars([("completed", course.completed), ("dropped", course.dropped),
                         ("going on", course.active)], "Courses completed vs dropped")
        per_day = stacked_bars(
            [(d.day.strftime("%d/%m"), d.counts) for d in figures.days], OUTCOMES,
            "Messages per day",
        )
        steps = [(s, hbars(list(s.answers), f"Answers to {s.step_id} ({s.protocol_name})"))
                 for s in figures.steps]
        cases = hbars([(w.week.strftime("week of %d %b"), w.opened) for w in figures.weeks],
                      "Cases opened per week")
        self.show("stats.html", title="Stats", active="stats", figures=figures,
                  per_day=per_day, steps=steps, cases=cases, course=course, reach=reach,
                  satisfaction=satisfaction, courses=courses)
