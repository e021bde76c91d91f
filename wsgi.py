from fablab import create_app

app = create_app()
