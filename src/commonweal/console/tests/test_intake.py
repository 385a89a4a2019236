"""Taking a request by phone: the service's questions as a form, duplicate suggestions before
filing, domain validation shown beside the fields, nothing written on any error."""

from django.urls import reverse

from commonweal.cases.models import Channel, ServiceRequest

INTAKE = reverse("console:intake")


def url_for(service):
    return f"{INTAKE}?service={service.pk}"


def phone_call(**overrides):
    data = {
        "channel": "phone",
        "description": "Hole in the bus lane",
        "lat": "40.05",
        "long": "-75.05",
        "priority": "normal",
        "name": "Rosa",
        "email": "rosa@example.org",
        "phone": "",
        "language": "es",
        "attribute_lane": "right",
        "attribute_hazards": ["water"],
        "attribute_depth_cm": "12",
    }
    data.update(overrides)
    return data


def test_the_form_asks_the_services_own_questions(signed_in, city):
    response = signed_in(city.ana).get(url_for(city.pothole))
    form = response.context["form"]
    assert {"attribute_lane", "attribute_hazards", "attribute_depth_cm"} <= set(form.fields)
    assert "attribute_note" not in form.fields  # information only
    assert "Crews fix potholes in daylight hours." in response.content.decode()
    assert form.fields["attribute_lane"].required


def test_an_agent_files_a_phone_request(signed_in, city):
    response = signed_in(city.ana).post(url_for(city.pothole), phone_call(file="1"))
    case = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/cases/{case.public_id}/")
    assert case.channel == Channel.PHONE
    assert case.attributes == {"lane": "right", "hazards": ["water"], "depth_cm": "12"}
    assert case.requester.language == "es" and case.requester.email == "rosa@example.org"


def test_missing_answers_are_shown_beside_their_fields(signed_in, city):
    response = signed_in(city.ana).post(
        url_for(city.pothole), phone_call(attribute_lane="", file="1")
    )
    assert response.status_code == 400
    assert "attribute_lane" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_domain_problems_come_back_on_the_form(signed_in, city):
    response = signed_in(city.ana).post(
        url_for(city.pothole), phone_call(lat="", long="", address="", file="1")
    )
    assert response.status_code == 400
    assert "Give the location" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_duplicates_are_suggested_before_filing(signed_in, city, pothole_request):
    response = signed_in(city.ana).post(url_for(city.pothole), phone_call(check="1"))
    assert [c.public_id for c in response.context["duplicates"]] == [pothole_request.public_id]
    assert ServiceRequest.objects.count() == 1  # checking files nothing


def test_an_unknown_service_is_an_error_not_a_crash(signed_in, city):
    response = signed_in(city.ana).get(f"{INTAKE}?service=99999")
    assert response.status_code == 200
    assert "service" in response.context["chooser"].errors


def test_a_role_that_takes_no_requests_is_not_offered_the_form(signed_in, city):
    """A field worker's intake form would be refused once filled in: the console neither
    links to it nor shows it, and says who does take requests; an agent gets both."""
    client = signed_in(city.fern)
    queue = client.get(reverse("console:queue")).content.decode()
    assert reverse("console:intake") not in queue
    refused = client.get(url_for(city.pothole))
    assert refused.status_code == 403
    assert "Your role does not take new requests" in refused.content.decode()
    assert client.post(url_for(city.pothole), phone_call()).status_code == 403
    assert not ServiceRequest.objects.exists()
    agent = signed_in(city.ana)
    assert reverse("console:intake") in agent.get(reverse("console:queue")).content.decode()
    assert agent.get(url_for(city.pothole)).status_code == 200
